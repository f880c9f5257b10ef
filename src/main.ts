import { ConfigurationError } from './config/configuration-error';
import { RunningServer, startServer } from './server';

async function main(): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down');
    try {
      await server.close();
      process.exit(0);
    } catch (error) {
      process.stderr.write(`shutdown failed: ${String(error)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A dropped database connection surfaces here at worst; the service must stay up and recover.
  process.on('unhandledRejection', (reason) => server.log.error({ err: reason }, 'unhandled rejection'));
}

void main().catch((error: unknown) => {
  process.stderr.write(`tollgate failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
