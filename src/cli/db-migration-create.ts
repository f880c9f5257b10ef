import path from 'node:path';

import { createMigration } from '../database/migrations/migration-runner';
import { migrationFolderName } from '../database/migrations/migrations-folder';
import { resolveProjectPaths } from '../database/migrations/project-paths';
import { runCli, withDatabase } from './cli-database';

runCli(async () => {
  const name = process.argv.slice(2).join('_');
  if (!name) throw new Error('Usage: npm run db:migration:create -- <name>');
  migrationFolderName(name); // rejects an unusable name before a database is started for nothing

  const folder = await withDatabase((databaseUrl) => createMigration(databaseUrl, name));
  if (folder === null) {
    console.log('Nothing to do: prisma/schema.prisma and the migrations agree.');
    return;
  }
  const file = path.join(resolveProjectPaths().migrationsDir, folder, 'migration.sql');
  console.log(`Created ${path.relative(process.cwd(), file)}`);
  console.log('Review it, then apply it with `npm run db:migrate`.');
});
