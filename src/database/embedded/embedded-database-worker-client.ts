import { forkWorker } from '../worker-process';
import type { EmbeddedDatabase, EmbeddedDatabaseOptions } from './start-embedded-postgres';

export type WorkerMessage =
  | { kind: 'log'; line: string }
  | { kind: 'started'; url: string }
  | { kind: 'failed'; message: string; stack?: string };

export type WorkerCommand =
  { kind: 'start'; options: Omit<EmbeddedDatabaseOptions, 'log'>; forwardLog: boolean } | { kind: 'stop' };

/** Runs the embedded PostgreSQL from a child Node process (see embedded-database-worker.ts). */
export function startInWorker({ log, ...options }: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const child = forkWorker(__filename, 'embedded-database-worker');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => {
    if (child.connected) child.send({ kind: 'stop' } satisfies WorkerCommand);
    return exited;
  };

  return new Promise((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.kind === 'log') return log?.(message.line);
      if (message.kind === 'started') return resolve({ url: message.url, stop });
      reject(Object.assign(new Error(message.message), { stack: message.stack }));
    });
    child.on('error', reject);
    void exited.then(() => reject(new Error('The embedded PostgreSQL worker ended before starting')));
    child.send({ kind: 'start', options, forwardLog: log !== undefined } satisfies WorkerCommand);
  });
}
