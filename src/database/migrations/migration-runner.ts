import { runsInVmContext } from '../worker-process';
import {
  applyMigrationsInProcess,
  createMigrationInProcess,
  MigrationOptions,
  schemaDriftInProcess,
} from './migration-operations';
import { runInWorker } from './migration-worker-client';

export type { MigrationOptions };

/**
 * Applies the pending prisma/migrations folders and records them in `_prisma_migrations`, exactly
 * like `prisma migrate deploy`; returns the names applied. Concurrent callers take turns.
 */
export function applyMigrations(databaseUrl: string, options: MigrationOptions = {}): Promise<string[]> {
  return runsInVmContext()
    ? runInWorker('applyMigrations', databaseUrl, options)
    : applyMigrationsInProcess(databaseUrl, options);
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that brings the migrations up
 * to schema.prisma, using a shadow database on the server of `databaseUrl`. Returns the folder name,
 * or null when there is nothing to migrate.
 */
export function createMigration(
  databaseUrl: string,
  name: string,
  options: MigrationOptions = {},
): Promise<string | null> {
  return runsInVmContext()
    ? runInWorker('createMigration', databaseUrl, { ...options, name })
    : createMigrationInProcess(databaseUrl, { ...options, name });
}

/** The SQL still needed to bring the migrations up to schema.prisma: '' when they agree. */
export function schemaDrift(databaseUrl: string, options: MigrationOptions = {}): Promise<string> {
  return runsInVmContext()
    ? runInWorker('schemaDrift', databaseUrl, options)
    : schemaDriftInProcess(databaseUrl, options);
}
