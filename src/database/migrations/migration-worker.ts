import { migrationOperations } from './migration-operations';
import type { WorkerMessage, WorkerRequest } from './migration-worker-client';

function reply(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()));
}

async function run({ operation, databaseUrl, options }: WorkerRequest): Promise<unknown> {
  const log = (line: string) => void reply({ kind: 'log', line });
  if (operation === 'createMigration') {
    return migrationOperations.createMigration(databaseUrl, { ...options, name: options.name ?? '', log });
  }
  return migrationOperations[operation](databaseUrl, { ...options, log });
}

process.once('message', (request: WorkerRequest) => {
  void run(request)
    .then(
      (result) => reply({ kind: 'result', result }),
      (error: Error) => reply({ kind: 'error', message: error.message, stack: error.stack }),
    )
    .finally(() => process.disconnect());
});
