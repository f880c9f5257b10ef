import { applyMigrations } from '../database/migrations/migration-runner';
import { runCli, withDatabase } from './cli-database';

runCli(async () => {
  const applied = await withDatabase((databaseUrl) => applyMigrations(databaseUrl));
  if (applied.length === 0) {
    console.log('No pending migrations.');
    return;
  }
  console.log(`Applied ${applied.length} migration(s):`);
  for (const name of applied) console.log(`  ${name}`);
});
