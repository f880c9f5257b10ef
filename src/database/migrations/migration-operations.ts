import { readFile } from 'node:fs/promises';

import { withAdvisoryLock } from './advisory-lock';
import { migrationFolderName, readMigrationsList, writeMigration } from './migrations-folder';
import { ProjectPaths, resolveProjectPaths } from './project-paths';
import { NO_EXTERNAL_ENTITIES, SchemaFile, withSchemaEngine } from './schema-engine';

export interface MigrationOptions extends Partial<ProjectPaths> {
  /** How long applyMigrations waits for another process applying migrations; default 60 s. */
  lockTimeoutMs?: number;
  /** Receives the schema engine's log lines (JSON). */
  log?: (line: string) => void;
}

// Any fixed number that is not the one the schema engine itself locks (72707369): taking that one
// here would make the engine wait for this very lock.
const MIGRATIONS_LOCK_ID = 0x746f6c6c;
const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

/** Applies the pending migrations (`prisma migrate deploy`) and returns the names just applied. */
export async function applyMigrationsInProcess(
  databaseUrl: string,
  options: MigrationOptions = {},
): Promise<string[]> {
  const migrationsList = await readMigrationsList(resolveProjectPaths(options).migrationsDir);
  const lock = {
    id: MIGRATIONS_LOCK_ID,
    timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    purpose: 'to finish applying migrations',
  };
  return withAdvisoryLock(databaseUrl, lock, () =>
    withSchemaEngine(databaseUrl, undefined, options.log, async (engine) => {
      const result = await engine.applyMigrations({ migrationsList, filters: NO_EXTERNAL_ENTITIES });
      return result.appliedMigrationNames;
    }),
  );
}

/**
 * The SQL that takes a database built by the migrations to schema.prisma ('' when they agree),
 * computed on a shadow database created and dropped on the server of `databaseUrl`.
 */
export async function schemaDriftInProcess(
  databaseUrl: string,
  options: MigrationOptions = {},
): Promise<string> {
  const paths = resolveProjectPaths(options);
  const schema: SchemaFile = { path: paths.schemaFile, content: await readFile(paths.schemaFile, 'utf8') };
  const migrationsList = await readMigrationsList(paths.migrationsDir);
  return withSchemaEngine(databaseUrl, schema, options.log, async (engine) => {
    const diff = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: true,
      filters: NO_EXTERNAL_ENTITIES,
    });
    return diff.exitCode === 0 ? '' : (diff.stdout ?? '');
  });
}

/** Writes the migration that brings the migrations up to schema.prisma; null when nothing changed. */
export async function createMigrationInProcess(
  databaseUrl: string,
  options: MigrationOptions & { name: string },
): Promise<string | null> {
  const folder = migrationFolderName(options.name);
  const script = await schemaDriftInProcess(databaseUrl, options);
  if (script === '') return null;
  await writeMigration(resolveProjectPaths(options).migrationsDir, folder, script);
  return folder;
}

export const migrationOperations = {
  applyMigrations: applyMigrationsInProcess,
  schemaDrift: schemaDriftInProcess,
  createMigration: createMigrationInProcess,
};
export type MigrationOperations = typeof migrationOperations;
