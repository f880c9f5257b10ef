import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { applyMigrations } from '../../src/database/migrations/migration-runner';
import { provideTestDatabase, TestDatabaseServer } from './test-database';

declare global {
  var testDatabase: TestDatabaseServer | undefined;
  var testDataDir: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const database = await provideTestDatabase();
  globalThis.testDatabase = database;
  await applyMigrations(database.url);
  // Workers start after this and inherit the environment; the app under test reads this URL.
  process.env.TEST_DATABASE_URL = database.url;
  // The servers' DATA_DIR: mail written without SMTP_URL lands there, not in the project's .data.
  globalThis.testDataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-test-data-'));
  process.env.TEST_DATA_DIR = globalThis.testDataDir;
}
