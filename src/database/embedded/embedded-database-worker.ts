import type { WorkerCommand, WorkerMessage } from './embedded-database-worker-client';
import { EmbeddedDatabase, startEmbeddedPostgres } from './start-embedded-postgres';

let database: Promise<EmbeddedDatabase | undefined> | undefined;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

async function stopAndExit(): Promise<void> {
  await (await database)?.stop();
  process.disconnect();
}

process.on('message', (command: WorkerCommand) => {
  if (command.kind === 'stop') return void stopAndExit();
  const log = command.forwardLog ? (line: string) => send({ kind: 'log', line }) : undefined;
  database = startEmbeddedPostgres({ ...command.options, log }).then(
    (started) => {
      send({ kind: 'started', url: started.url });
      return started;
    },
    (error: Error) => {
      send({ kind: 'failed', message: error.message, stack: error.stack });
      process.disconnect();
      return undefined;
    },
  );
});

// The parent went away without stopping the database: stop it rather than leave it running.
process.on('disconnect', () => void database?.then((started) => started?.stop()));
