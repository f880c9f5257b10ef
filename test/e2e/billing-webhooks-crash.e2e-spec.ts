import { signUp } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import {
  adminUser,
  billingEnvironment,
  createPlan,
  creditBalance,
  creditPackPlan,
  deliver,
  deliverRaw,
  eventually,
  isolatedDatabase,
  payForCreditPack,
  priceOf,
  webhookEvents,
} from '../support/billing';
import { startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';
import { StripeDouble } from '../stripe-double';

/**
 * How long stored events may take to be finished after the restart. Claims the killed process held are
 * taken over as soon as PostgreSQL has dropped its connections, so this is mostly slack.
 */
const RECOVERY_MS = 20_000;

describe('kill -9 in the middle of a burst of webhooks', () => {
  let stripe: StripeDouble;
  let database: TestDatabaseServer;
  let server: TestServer;
  let admin: AdminCredentials;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [stripe, database] = await Promise.all([StripeDouble.start(), isolatedDatabase()]);
    admin = adminEnvironment();
    env = billingEnvironment(stripe, admin, { DATABASE_URL: database.url });
    server = await startTestServer(env);
  });
  afterAll(async () => {
    await server?.stop();
    await stripe?.stop();
    await database?.release();
  });

  it(
    'finishes every stored event after the restart, each exactly once',
    async () => {
      const asAdmin = await adminHeaders(server.url, admin);
      const pack = priceOf(await createPlan(server, asAdmin, creditPackPlan()), 'one_time');
      const buyers = await Promise.all(Array.from({ length: 5 }, () => signUp(server.url, 'burst')));
      const events = [];
      for (const buyer of buyers) {
        for (let bought = 0; bought < 4; bought += 1) {
          events.push((await payForCreditPack({ server, stripe }, buyer, pack)).completed);
        }
      }

      // Twenty deliveries at once; the process dies as soon as ten of them are acknowledged.
      let acknowledged = 0;
      let killed: Promise<number | null> | undefined;
      const statuses = await Promise.all(
        events.map(async (event) => {
          const status = await deliverRaw(server.url, stripe, event);
          if (status === 200) {
            acknowledged += 1;
            if (acknowledged === 10) killed = server.stop('SIGKILL');
          }
          return status;
        }),
      );
      expect(acknowledged).toBeGreaterThanOrEqual(10);
      await killed;
      // Each delivery was acknowledged, cut off by the kill, or refused with a 5xx: never a 4xx.
      expect(statuses.filter((status) => status !== null && status !== 200 && status < 500)).toEqual([]);

      // Back up; Stripe redelivers what was not acknowledged.
      server = await startTestServer(env);
      for (const [index, event] of events.entries()) {
        if (statuses[index] !== 200) await deliver(server, stripe, event).expect(200);
      }

      const ids = new Set(events.map((event) => event.id));
      await eventually(async () => {
        const processed = (await webhookEvents(server, asAdmin, 'processed')).filter((row) =>
          ids.has(row.id),
        );
        expect(processed.map((row) => row.id).sort()).toEqual([...ids].sort());
      }, RECOVERY_MS);
      for (const status of ['pending', 'failed'] as const) {
        expect((await webhookEvents(server, asAdmin, status)).filter((row) => ids.has(row.id))).toEqual([]);
      }
      for (const buyer of buyers) {
        expect(await creditBalance(server, buyer)).toBe(400);
        const { credits } = await adminUser(server, asAdmin, buyer.id);
        expect(credits.ledger.map((entry) => entry.delta)).toEqual([100, 100, 100, 100]);
      }
    },
    RECOVERY_MS + 30_000,
  );
});
