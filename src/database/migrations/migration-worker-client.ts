import { forkWorker } from '../worker-process';
import type { MigrationOperations, MigrationOptions } from './migration-operations';

export type OperationName = keyof MigrationOperations;
type OperationOptions<Name extends OperationName> = NonNullable<Parameters<MigrationOperations[Name]>[1]>;
type OperationResult<Name extends OperationName> = Awaited<ReturnType<MigrationOperations[Name]>>;

export interface WorkerRequest {
  operation: OperationName;
  databaseUrl: string;
  options: Omit<MigrationOptions, 'log'> & { name?: string };
}

export type WorkerMessage =
  | { kind: 'log'; line: string }
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; message: string; stack?: string };

/** Runs a migration operation in a child Node process (see migration-worker.ts). */
export function runInWorker<Name extends OperationName>(
  operation: Name,
  databaseUrl: string,
  options: OperationOptions<Name>,
): Promise<OperationResult<Name>> {
  const { log, ...serializableOptions } = options;
  const request: WorkerRequest = { operation, databaseUrl, options: serializableOptions };

  return new Promise((resolve, reject) => {
    const child = forkWorker(__filename, 'migration-worker');
    let answered = false;
    child.on('message', (message: WorkerMessage) => {
      if (message.kind === 'log') return log?.(message.line);
      answered = true;
      if (message.kind === 'result') return resolve(message.result as OperationResult<Name>);
      reject(Object.assign(new Error(message.message), { stack: message.stack }));
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!answered) reject(new Error(`The migration worker ended (${signal ?? code}) without answering`));
    });
    child.send(request);
  });
}
