import { AdminCredentials, adminEnvironment, adminHeaders } from './admin';
import { isolatedDatabase } from './billing';
import { startTestServer, TestServer } from './test-app';
import { TestDatabaseServer } from './test-database';

/** Two servers on a database of their own, with an admin signed in: what "on every instance" tests need. */
export interface TwoInstances {
  database: TestDatabaseServer;
  admin: AdminCredentials;
  instances: [TestServer, TestServer];
  asAdmin: Record<string, string>;
}

export async function startTwoInstances(env: NodeJS.ProcessEnv = {}): Promise<TwoInstances> {
  const database = await isolatedDatabase();
  const admin = adminEnvironment();
  const settings = { ...admin, DATABASE_URL: database.url, ...env };
  const instances = await Promise.all([startTestServer(settings), startTestServer(settings)]);
  return { database, admin, instances, asAdmin: await adminHeaders(instances[0].url, admin) };
}

export async function stopTwoInstances(started: Partial<TwoInstances>): Promise<void> {
  await Promise.all((started.instances ?? []).map((instance) => instance.stop()));
  await started.database?.release();
}
