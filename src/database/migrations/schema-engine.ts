import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg' with {
  'resolution-mode': 'import',
};

import { SchemaEngineConnections } from './schema-engine-connections';
import { loadSchemaEngine, onPanic } from './schema-engine-wasm';

export type { SchemaEngine };

export interface SchemaFile {
  path: string;
  content: string;
}

export const NO_EXTERNAL_ENTITIES = { externalTables: [], externalEnums: [] };

/** Runs `work` with a schema engine connected to the database, then frees it and its connections. */
export async function withSchemaEngine<T>(
  databaseUrl: string,
  schema: SchemaFile | undefined,
  log: ((line: string) => void) | undefined,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const bindings = await loadSchemaEngine();
  const connections = new SchemaEngineConnections(databaseUrl);
  let stopListening: () => void = () => undefined;
  const panicked = new Promise<never>((_, reject) => {
    stopListening = onPanic((message) => reject(new Error(`The Prisma schema engine panicked: ${message}`)));
  });
  const running = (async () => {
    const engine = await bindings.SchemaEngine.new(
      { datamodels: schema ? [[schema.path, schema.content]] : undefined },
      (line: string) => log?.(line),
      bindMigrationAwareSqlAdapterFactory(connections),
    );
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  })();
  try {
    return await Promise.race([panicked, running]);
  } finally {
    stopListening();
    await connections.close();
  }
}
