import { applyMigrations } from '../../src/database/migrations/migration-runner';
import { provideTestDatabase, TestDatabaseServer } from './test-database';

declare global {
  var testDatabase: TestDatabaseServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const database = await provideTestDatabase();
  globalThis.testDatabase = database;
  await applyMigrations(database.url);
  // Workers start after this and inherit the environment; the app under test reads this URL.
  process.env.TEST_DATABASE_URL = database.url;
}
