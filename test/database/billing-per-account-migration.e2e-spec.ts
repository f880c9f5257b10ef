/**
 * Issue 11: existing users and everything they own move to personal accounts with nothing lost.
 *
 * test/fixtures/pre-accounts-data.sql is a database filled through the API of the version before
 * accounts (see test/fixtures/README.md). It is loaded into a schema migrated up to exactly the
 * migrations it was taken at; every later migration is then applied, and every row of every table is
 * compared with the row read before: only the documented changes may differ. Then the current app,
 * booted on that database with a Stripe double that holds the old double's objects, must show each
 * user what they had.
 */
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

import { applyMigrations } from '../../src/database/migrations/migration-runner';
import { bearer } from '../support/accounts';
import {
  AdminUserBody,
  billingEnvironment,
  deliverAll,
  eventually,
  features,
  FREE_FEATURES,
  MeBody,
  PAID_FEATURES,
} from '../support/billing';
import { must } from '../support/must';
import { api, startTestServer, TestServer } from '../support/test-app';
import { provideTestDatabase, TestDatabaseServer } from '../support/test-database';
import { StoreSnapshot, StripeDouble } from '../stripe-double';

const FIXTURES = path.join(__dirname, '../fixtures');
const MIGRATIONS_DIR = path.join(__dirname, '../../prisma/migrations');

interface PreAccountsFixture {
  /** The migrations the dump's database had applied, in order. */
  migrations: string[];
  password: string;
  admin: { email: string; password: string };
  users: Record<'subscriber' | 'buyer' | 'granted' | 'plain', string>;
  subscriberApiKey: string;
}

const fixture = JSON.parse(
  readFileSync(path.join(FIXTURES, 'pre-accounts-data.json'), 'utf8'),
) as PreAccountsFixture;
const fixtureSql = readFileSync(path.join(FIXTURES, 'pre-accounts-data.sql'), 'utf8');
const stripeObjects = JSON.parse(
  readFileSync(path.join(FIXTURES, 'pre-accounts-stripe.json'), 'utf8'),
) as StoreSnapshot;

const migrationFolders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const billingPerAccount = must(
  migrationFolders.find((folder) => folder.endsWith('_billing_per_account')),
  'the billing_per_account migration',
);

/** The tables whose `user_id` becomes `account_id`, the owner's personal account. */
const MOVED_TO_ACCOUNT = [
  'subscriptions',
  'credit_balances',
  'credit_entries',
  'grants',
  'entitlement_events',
  'payment_required_events',
  'projects',
  'exports',
] as const;
/** Columns added with a default, and the value every existing row must get. */
const NEW_COLUMNS: Record<string, Row> = {
  subscriptions: { quantity: 1 },
  prices: { per_seat: false },
};
const NEW_TABLES = ['accounts', 'memberships', 'invitations'];

type Row = Record<string, unknown>;
type Contents = Record<string, Row[]>;

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function tables(client: Client): Promise<string[]> {
  const { rows } = await client.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
     ORDER BY tablename`,
  );
  return rows.map((row) => row.tablename);
}

/** Every row of every table, each table's rows in one canonical order. */
function readContents(url: string): Promise<Contents> {
  return withClient(url, async (client) => {
    const contents: Contents = {};
    for (const table of await tables(client)) {
      contents[table] = canonical((await client.query<Row>(`SELECT * FROM "${table}"`)).rows);
    }
    return contents;
  });
}

function readSequences(url: string): Promise<Row[]> {
  return withClient(
    url,
    async (client) =>
      (
        await client.query<Row>(
          `SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
        )
      ).rows,
  );
}

function canonical(rows: Row[]): Row[] {
  const keyed = rows.map((row) => ({ row, key: JSON.stringify(row, Object.keys(row).sort()) }));
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ row }) => row);
}

/** The migrations of prisma/migrations up to the fixture's last one, in a folder of their own. */
function migrationsOfTheFixture(): string {
  expect(migrationFolders.slice(0, fixture.migrations.length)).toEqual(fixture.migrations);
  return migrationsDirWith(fixture.migrations);
}

/** The migrations up to billing_per_account: what the row-by-row comparison is about (later ones change rows of their own). */
function migrationsThroughBillingPerAccount(): string {
  return migrationsDirWith(migrationFolders.slice(0, migrationFolders.indexOf(billingPerAccount) + 1));
}

function migrationsDirWith(folders: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-pre-accounts-migrations-'));
  for (const folder of folders) {
    cpSync(path.join(MIGRATIONS_DIR, folder), path.join(dir, folder), { recursive: true });
  }
  copyFileSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
  return dir;
}

/** The dump replaces whatever the migrations seeded (the free plan). */
function loadFixture(url: string): Promise<void> {
  return withClient(url, async (client) => {
    const names = (await tables(client)).map((table) => `"${table}"`).join(', ');
    await client.query(`TRUNCATE ${names} RESTART IDENTITY CASCADE`);
    await client.query(fixtureSql);
  });
}

describe('the billing_per_account migration on a database filled before accounts', () => {
  let database: TestDatabaseServer;
  let earlierMigrations: string;
  let before: Contents;
  let after: Contents;
  let sequencesBefore: Row[];
  let applied: string[];
  /** user id → their personal account's id, from the migrated database. */
  let personalAccount: Map<unknown, string>;

  const usersBefore = () => before.users ?? [];
  const personalAccountOf = (userId: unknown): string =>
    must(personalAccount.get(userId), `the personal account of user ${String(userId)}`);
  const userByEmail = (email: string): Row =>
    must(
      usersBefore().find((user) => user.email === email),
      email,
    );

  beforeAll(async () => {
    database = await provideTestDatabase();
    earlierMigrations = migrationsOfTheFixture();
    expect(await applyMigrations(database.url, { migrationsDir: earlierMigrations })).toEqual(
      fixture.migrations,
    );
    await loadFixture(database.url);
    before = await readContents(database.url);
    sequencesBefore = await readSequences(database.url);

    const throughBillingPerAccount = migrationsThroughBillingPerAccount();
    applied = await applyMigrations(database.url, { migrationsDir: throughBillingPerAccount });
    rmSync(throughBillingPerAccount, { recursive: true, force: true });
    after = await readContents(database.url);
    // The app below runs on the latest schema.
    applied.push(...(await applyMigrations(database.url)));
    personalAccount = new Map(
      (after.accounts ?? [])
        .filter((account) => account.personal)
        .map((account) => [account.personal_user_id, account.id as string]),
    );
  });
  afterAll(async () => {
    await database?.release();
    if (earlierMigrations) rmSync(earlierMigrations, { recursive: true, force: true });
  });

  it('applies every migration written after the fixture was taken, billing_per_account among them', () => {
    expect(applied).toEqual(migrationFolders.filter((folder) => !fixture.migrations.includes(folder)));
    expect(applied).toContain(billingPerAccount);
  });

  it('starts from a database that holds what the fixture says (so the comparisons below are not empty)', () => {
    const count = (table: string) => before[table]?.length ?? 0;
    expect({
      users: count('users'),
      subscriptions: count('subscriptions'),
      credit_balances: count('credit_balances'),
      credit_entries: count('credit_entries'),
      grants: count('grants'),
      revokedGrants: (before.grants ?? []).filter((grant) => grant.revoked_at !== null).length,
      payment_required_events: count('payment_required_events'),
      projects: count('projects'),
      exports: count('exports'),
      stripeCustomers: usersBefore().filter((user) => user.stripe_customer_id !== null).length,
    }).toEqual({
      users: 6,
      subscriptions: 1,
      credit_balances: 3,
      credit_entries: 12,
      grants: 2,
      revokedGrants: 1,
      payment_required_events: 3,
      projects: 12,
      exports: 5,
      stripeCustomers: 3,
    });
    expect(count('entitlement_events')).toBeGreaterThan(0);
    expect((before.credit_entries ?? []).map((entry) => entry.reason)).toEqual(
      expect.arrayContaining(['purchase', 'spend:/v1/exports', 'refund:failed_request', 'refund']),
    );
  });

  it('gives every user one personal account they own, named after them, holding their Stripe customer', () => {
    expect(after.accounts).toEqual(
      canonical(
        usersBefore().map((user) => ({
          id: personalAccountOf(user.id),
          name: user.deleted_at
            ? 'Deleted user'
            : (user.name as string | null)?.trim() || (user.email as string).split('@')[0],
          personal: true,
          personal_user_id: user.id,
          stripe_customer_id: user.stripe_customer_id,
          created_at: user.created_at,
        })),
      ),
    );
    expect(after.memberships).toEqual(
      canonical(
        usersBefore().map((user) => ({
          account_id: personalAccountOf(user.id),
          user_id: user.id,
          role: 'owner',
          joined_at: user.created_at,
        })),
      ),
    );
    expect(after.invitations).toEqual([]);
  });

  it.each(MOVED_TO_ACCOUNT)(
    'moves every %s row to its owner’s personal account, every other column unchanged',
    (table) => {
      const expected = (before[table] ?? []).map(({ user_id: userId, ...row }) => ({
        ...row,
        account_id: personalAccountOf(userId),
        ...NEW_COLUMNS[table],
      }));
      expect({ [table]: after[table] }).toEqual({ [table]: canonical(expected) });
    },
  );

  it('leaves every other table as it was, but for the Stripe customer leaving users and the new columns', () => {
    const others = Object.keys(before).filter(
      (table) => !(MOVED_TO_ACCOUNT as readonly string[]).includes(table),
    );
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), ...NEW_TABLES].sort());
    for (const table of others) {
      const expected = (before[table] ?? []).map((row) => {
        if (table === 'users') {
          const { stripe_customer_id: _moved, ...rest } = row;
          return rest;
        }
        if (table === 'api_keys') return { ...row, account_id: personalAccountOf(row.user_id) };
        return { ...row, ...NEW_COLUMNS[table] };
      });
      expect({ [table]: after[table] }).toEqual({ [table]: canonical(expected) });
    }
  });

  it('keeps every sequence where it was', async () => {
    // Later migrations may add sequences of their own; the ones the data had stay where they were.
    const existedBefore = new Set(sequencesBefore.map((sequence) => sequence.sequencename));
    const after = await readSequences(database.url);
    expect(after.filter((sequence) => existedBefore.has(sequence.sequencename))).toEqual(sequencesBefore);
  });

  describe('the current app on the migrated database', () => {
    let stripe: StripeDouble;
    let server: TestServer;
    let asAdmin: Record<string, string>;

    beforeAll(async () => {
      stripe = await StripeDouble.start();
      stripe.restore(stripeObjects);
      server = await startTestServer(
        billingEnvironment(
          stripe,
          { ADMIN_EMAIL: fixture.admin.email, ADMIN_PASSWORD: fixture.admin.password },
          { DATABASE_URL: database.url, RECONCILE_INTERVAL_MS: '0' },
        ),
      );
      asAdmin = await logIn(fixture.admin.email, fixture.admin.password);
    });
    afterAll(async () => {
      await server?.stop();
      await stripe?.stop();
    });

    const signedIn = new Map<string, Record<string, string>>();
    /** Signs in once per user (a password check costs a few hundred ms) and reuses the token. */
    async function logIn(email: string, password = fixture.password): Promise<Record<string, string>> {
      const known = signedIn.get(email);
      if (known) return known;
      const response = await api(server).post('/v1/auth/login').send({ email, password });
      expect({ email, status: response.status }).toEqual({ email, status: 200 });
      const caller = bearer(response.body as { accessToken: string });
      signedIn.set(email, caller);
      return caller;
    }
    async function meAs(caller: Record<string, string>): Promise<MeBody & { account: { id: string } }> {
      return (await api(server).get('/v1/me').set(caller).expect(200)).body as MeBody & {
        account: { id: string };
      };
    }
    async function projectNames(caller: Record<string, string>): Promise<string[]> {
      const listed = await api(server).get('/v1/projects').set(caller).expect(200);
      return (listed.body.data as { name: string }[]).map((project) => project.name).sort();
    }
    function projectNamesBefore(email: string): string[] {
      const owner = userByEmail(email).id;
      return (before.projects ?? [])
        .filter((project) => project.user_id === owner)
        .map((project) => project.name as string)
        .sort();
    }
    function balanceBefore(email: string): number {
      const owner = userByEmail(email).id;
      return must(
        before.credit_balances?.find((row) => row.user_id === owner),
        `${email}'s balance`,
      ).balance as number;
    }
    async function adminDetail(email: string): Promise<AdminUserBody & Row> {
      const id = userByEmail(email).id as string;
      return (await api(server).get(`/v1/admin/users/${id}`).set(asAdmin).expect(200)).body as AdminUserBody &
        Row;
    }

    it('lets every user sign in with the password they had, acting for their personal account', async () => {
      for (const email of Object.values(fixture.users)) {
        const me = await meAs(await logIn(email));
        expect({ email, account: me.account.id }).toEqual({
          email,
          account: personalAccountOf(userByEmail(email).id),
        });
      }
    });

    it('shows the subscriber their Pro subscription, entitlements, projects and credits', async () => {
      const subscriber = await logIn(fixture.users.subscriber);
      const subscription = must(before.subscriptions?.[0], 'the subscription');
      const me = await meAs(subscriber);
      expect(me.subscription).toMatchObject({
        status: subscription.status,
        plan: 'pro',
        currentPeriodEnd: (subscription.current_period_end as Date).toISOString(),
        cancelAtPeriodEnd: false,
      });
      expect(features(me.entitlements)).toEqual(PAID_FEATURES);
      expect(me.credits.balance).toBe(balanceBefore(fixture.users.subscriber));
      expect(await projectNames(subscriber)).toEqual(projectNamesBefore(fixture.users.subscriber));
      await api(server).get('/v1/reports/summary').set(subscriber).expect(200);
      // Pro has no project limit: a fifth project is fine.
      await api(server).post('/v1/projects').set(subscriber).send({ name: 'After the move' }).expect(201);
      // The API key made before accounts acts for the personal account.
      const viaKey = await api(server).get('/v1/projects').set({ 'x-api-key': fixture.subscriberApiKey });
      expect(viaKey.status).toBe(200);
      expect(viaKey.body.data).toHaveLength(projectNamesBefore(fixture.users.subscriber).length + 1);
    });

    it('shows the buyer their balance, ledger, projects, limit and 402 log', async () => {
      const buyer = await logIn(fixture.users.buyer);
      const me = await meAs(buyer);
      expect(me.subscription).toBeNull();
      expect(features(me.entitlements)).toEqual(FREE_FEATURES);
      expect(me.credits.balance).toBe(balanceBefore(fixture.users.buyer));
      expect(await projectNames(buyer)).toEqual(projectNamesBefore(fixture.users.buyer));
      const refused = await api(server).post('/v1/projects').set(buyer).send({ name: 'Fourth' }).expect(402);
      expect(refused.body).toMatchObject({ code: 'limit_reached', limit: { limit: 3, used: 3 } });

      const owner = userByEmail(fixture.users.buyer).id;
      const detail = await adminDetail(fixture.users.buyer);
      expect(detail.credits.balance).toBe(balanceBefore(fixture.users.buyer));
      // Entries may carry more fields than they had (e.g. an admin grant's note): those are null here.
      expect(detail.credits.ledger).toMatchObject(
        (before.credit_entries ?? [])
          .filter((entry) => entry.user_id === owner)
          .sort((a, b) => (b.created_at as Date).getTime() - (a.created_at as Date).getTime())
          .map((entry) => ({
            delta: entry.delta,
            balanceAfter: entry.balance_after,
            reason: entry.reason,
            stripeEventId: entry.stripe_event_id,
            createdAt: (entry.created_at as Date).toISOString(),
          })),
      );
      const recent = detail.recentPaymentRequired as { code: string; feature: string; route: string }[];
      expect(recent.map(({ code, feature, route }) => ({ code, feature, route }))).toEqual(
        expect.arrayContaining(
          (before.payment_required_events ?? [])
            .filter((event) => event.user_id === owner)
            .map(({ code, feature, route }) => ({ code, feature, route })),
        ),
      );
    });

    it('keeps the granted user’s grants: the one with a limit and an expiry open, the revoked one shut', async () => {
      const granted = await logIn(fixture.users.granted);
      const owner = userByEmail(fixture.users.granted).id;
      const open = must(
        before.grants?.find((grant) => grant.user_id === owner && grant.revoked_at === null),
        'the open grant',
      );
      const grantBody = {
        id: open.id,
        feature: open.feature,
        limit: open.limit,
        expiresAt: (open.expires_at as Date).toISOString(),
      };
      const detail = await adminDetail(fixture.users.granted);
      expect(detail.grants).toEqual([expect.objectContaining(grantBody)]);
      const viaAccount = await api(server)
        .get(`/v1/admin/accounts/${personalAccountOf(owner)}`)
        .set(asAdmin)
        .expect(200);
      expect(viaAccount.body.grants).toEqual([expect.objectContaining(grantBody)]);

      const me = await meAs(granted);
      expect(features(me.entitlements)).toEqual([
        ...FREE_FEATURES.filter((feature) => feature.feature !== 'projects'),
        { feature: 'projects', limit: open.limit },
      ]);
      expect(await projectNames(granted)).toEqual(projectNamesBefore(fixture.users.granted));
      await api(server).get('/v1/reports/summary').set(granted).expect(402);
    });

    it('shows the user without billing nothing billed', async () => {
      const me = await meAs(await logIn(fixture.users.plain));
      expect(me.subscription).toBeNull();
      expect(features(me.entitlements)).toEqual(FREE_FEATURES);
      expect(me.credits.balance).toBe(0);
    });

    it('goes on with Stripe: the portal and a new pack use the old customers, a renewal lands on the account', async () => {
      const subscriber = await logIn(fixture.users.subscriber);
      const subscriberCustomer = userByEmail(fixture.users.subscriber).stripe_customer_id;
      stripe.clearRequests();
      await api(server).post('/v1/billing/portal').set(subscriber).expect(201);
      expect(stripe.lastRequest({ method: 'POST', path: '/v1/billing_portal/sessions' })?.body).toMatchObject(
        {
          customer: subscriberCustomer,
        },
      );

      const subscription = must(before.subscriptions?.[0], 'the subscription');
      const renewal = stripe.scenarios.renewSubscription(subscription.stripe_subscription_id as string);
      await deliverAll(server, stripe, renewal.events);
      await eventually(async () => {
        const me = await meAs(subscriber);
        expect(me.subscription).toMatchObject({ status: 'active', plan: 'pro' });
        expect(new Date(me.subscription!.currentPeriodEnd!).getTime()).toBeGreaterThan(
          (subscription.current_period_end as Date).getTime(),
        );
      });

      const buyer = await logIn(fixture.users.buyer);
      const pack = must(
        before.prices?.find((price) => price.credits !== null),
        'the credit pack price',
      );
      stripe.clearRequests();
      const session = await api(server)
        .post('/v1/billing/checkout')
        .set(buyer)
        .send({ priceId: pack.id })
        .expect(201);
      expect(stripe.requests({ method: 'POST', path: '/v1/customers' })).toEqual([]);
      const completion = stripe.scenarios.completeCheckoutSession(session.body.id as string);
      expect(completion.session.customer).toBe(userByEmail(fixture.users.buyer).stripe_customer_id);
      await deliverAll(server, stripe, completion.events);
      await eventually(async () =>
        expect((await meAs(buyer)).credits.balance).toBe(
          balanceBefore(fixture.users.buyer) + (pack.credits as number),
        ),
      );
    });
  });
});
