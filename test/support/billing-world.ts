import { AdminCredentials, adminEnvironment, adminHeaders } from './admin';
import { billingEnvironment, isolatedDatabase } from './billing';
import { startTestServer, TestServer } from './test-app';
import { TestDatabaseServer } from './test-database';
import { StripeDouble } from '../stripe-double';

/** What a billing spec runs against: the Stripe double, a database of its own, an admin, the servers. */
export interface BillingWorld {
  stripe: StripeDouble;
  database: TestDatabaseServer;
  admin: AdminCredentials;
  env: NodeJS.ProcessEnv;
  /** The first of `instances`. */
  server: TestServer;
  instances: TestServer[];
  asAdmin: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts a billing world for one spec file: call it in `beforeAll` and `stop()` it in `afterAll`.
 * `instances` servers share the database (two for the multi-instance guarantees).
 */
export async function startBillingWorld(
  options: { instances?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<BillingWorld> {
  const [stripe, database] = await Promise.all([StripeDouble.start(), isolatedDatabase()]);
  const admin = adminEnvironment();
  const env = billingEnvironment(stripe, admin, { DATABASE_URL: database.url, ...options.env });
  const instances = await Promise.all(
    Array.from({ length: options.instances ?? 1 }, () => startTestServer(env)),
  );
  const server = instances[0];
  if (!server) throw new Error('a billing world needs at least one instance');
  return {
    stripe,
    database,
    admin,
    env,
    server,
    instances,
    asAdmin: await adminHeaders(server.url, admin),
    async stop() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await stripe.stop();
      await database.release();
    },
  };
}

/** The two instances of a world started with `instances: 2`. */
export function twoInstances(world: BillingWorld): [TestServer, TestServer] {
  const [first, second] = world.instances;
  if (!first || !second) throw new Error('this billing world has fewer than two instances');
  return [first, second];
}
