import { Client } from 'pg';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  createPlan,
  creditPackPlan,
  deliverAll,
  eventually,
  payForCreditPack,
  priceOf,
  sleep,
} from '../support/billing';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import { MailServer } from '../support/mail-server';
import { must } from '../support/must';
import { api, startTestServer, TestServer } from '../support/test-app';

const APP_URL = 'https://app.tollgate.test';
const PROBLEM = /^application\/problem\+json/;
const DAY_MS = 24 * 3_600_000;

interface LedgerEntry {
  delta: number;
  balanceAfter: number;
  reason: string;
  note: string | null;
  createdBy: string | null;
  createdAt: string;
}

interface AccountCredits {
  balance: number;
  expiring: { amount: number; remaining: number; expiresAt: string }[];
  ledger: LedgerEntry[];
}

/**
 * Admin credit grants and credit expiry. Both instances run with the expiry timer off, so a test decides
 * when a pass runs (POST /v1/admin/credits/expire) and what a spend finds; one test starts a third
 * instance with the timer on. Expiries days ahead are brought forward by moving `credit_lots.expires_at`
 * in SQL: the lot is what the job and spends judge by, so this is the clock moving, not a shortcut.
 */
describe('credits: admin grants, spend order and expiry', () => {
  let world: BillingWorld;
  let mail: MailServer;
  let instances: [TestServer, TestServer];
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let adminId: string;

  beforeAll(async () => {
    mail = await MailServer.start();
    world = await startBillingWorld({
      instances: 2,
      env: {
        CREDIT_EXPIRY_INTERVAL_MS: '0',
        SMTP_URL: mail.url,
        APP_URL,
        MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000',
      },
    });
    ({ server, asAdmin } = world);
    instances = twoInstances(world);
    adminId = (await api(server).get('/v1/me').set(asAdmin).expect(200)).body.id as string;
  });
  afterAll(async () => {
    await world?.stop();
    await mail?.stop();
  });

  async function sql<Row extends object = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
  ): Promise<Row[]> {
    const client = new Client({ connectionString: world.database.url });
    await client.connect();
    try {
      return (await client.query<Row>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Brings every open lot of the account due (its expiry is now in the past). */
  async function bringLotsDue(accountId: string): Promise<void> {
    await sql(
      `UPDATE credit_lots SET expires_at = now() - interval '1 second' WHERE account_id = $1 AND expired_at IS NULL`,
      [accountId],
    );
  }

  async function personalAccountOf(user: TestAccount): Promise<string> {
    const accounts = (await api(server).get('/v1/accounts').set(bearer(user)).expect(200)).body.data as {
      id: string;
      personal: boolean;
    }[];
    return must(
      accounts.find((account) => account.personal),
      'a personal account',
    ).id;
  }

  /** A team of an owner and a member who joined through the mailed invitation. */
  async function team(): Promise<{ accountId: string; owner: TestAccount; member: TestAccount }> {
    const [owner, member] = await Promise.all([signUp(server.url, 'owner'), signUp(server.url, 'member')]);
    const accountId = (
      await api(server).post('/v1/accounts').set(bearer(owner)).send({ name: 'Credits Inc' }).expect(201)
    ).body.id as string;
    await api(server)
      .post(`/v1/accounts/${accountId}/invitations`)
      .set(bearer(owner))
      .send({ email: member.email, role: 'member' })
      .expect(201);
    const invitation = await mail.waitForMail({ to: member.email, subject: /invited you/ });
    const link = must(
      invitation.links.find((candidate) => new URL(candidate).pathname === '/invitations/accept'),
      'an invitation link',
    );
    const token = new URL(link).searchParams.get('token');
    await api(server).post('/v1/invitations/accept').set(bearer(member)).send({ token }).expect(200);
    return { accountId, owner, member };
  }

  function grant(accountId: string, body: object, instance: TestServer = server) {
    return api(instance).post(`/v1/admin/accounts/${accountId}/credits`).set(asAdmin).send(body);
  }

  async function creditsOf(accountId: string, instance: TestServer = server): Promise<AccountCredits> {
    const detail = await api(instance).get(`/v1/admin/accounts/${accountId}`).set(asAdmin).expect(200);
    return detail.body.credits as AccountCredits;
  }

  function entries(credits: AccountCredits, reason: string): LedgerEntry[] {
    return credits.ledger.filter((entry) => entry.reason === reason);
  }

  /** A project of the account to export, made by `user` acting for it. */
  async function projectOf(user: TestAccount, accountId: string): Promise<string> {
    const project = await api(server)
      .post('/v1/projects')
      .set({ ...bearer(user), 'x-account-id': accountId })
      .send({ name: 'data' })
      .expect(201);
    return project.body.id as string;
  }

  /** One export (1 credit) by `user` acting for the account; the response. */
  function exportOnce(user: TestAccount, accountId: string, projectId: string, instance = server) {
    return api(instance)
      .post('/v1/exports')
      .set({ ...bearer(user), 'x-account-id': accountId })
      .send({ projectId });
  }

  function expirePass(instance: TestServer = server) {
    return api(instance).post('/v1/admin/credits/expire').set(asAdmin).expect(200);
  }

  it('grants credits to a team account that its members spend, with the reason, the admin and an audit entry', async () => {
    const { accountId, owner, member } = await team();
    const projectId = await projectOf(member, accountId);

    const granted = await grant(accountId, { amount: 3, reason: 'Launch week' }).expect(201);
    expect(granted.headers['cache-control']).toBe('no-store');
    expect(granted.body).toEqual({
      balance: 3,
      entry: {
        id: expect.any(String),
        delta: 3,
        balanceAfter: 3,
        reason: 'admin_grant',
        note: 'Launch week',
        createdBy: adminId,
        expiresAt: null,
        createdAt: expect.any(String),
      },
    });

    const spent = [];
    for (const instance of [...instances, server]) {
      const response = await exportOnce(member, accountId, projectId, instance).expect(201);
      spent.push(response.body.creditsRemaining);
    }
    expect(spent).toEqual([2, 1, 0]);
    const refused = await exportOnce(member, accountId, projectId).expect(402);
    expect(refused.body).toMatchObject({
      code: 'insufficient_credits',
      credits: { required: 1, balance: 0 },
    });

    // The owner's personal account got nothing: the team was granted.
    const ownerMe = await api(server).get('/v1/me').set(bearer(owner)).expect(200);
    expect(ownerMe.body.credits.balance).toBe(0);
    const teamMe = await api(server)
      .get('/v1/me')
      .set({ ...bearer(owner), 'x-account-id': accountId })
      .expect(200);
    expect(teamMe.body.credits.balance).toBe(0);

    const credits = await creditsOf(accountId);
    expect(credits.balance).toBe(0);
    expect(entries(credits, 'admin_grant')).toEqual([
      expect.objectContaining({ delta: 3, balanceAfter: 3, note: 'Launch week', createdBy: adminId }),
    ]);
    expect(credits.ledger.filter((entry) => entry.reason.startsWith('spend'))).toHaveLength(3);

    const audit = await api(server)
      .get('/v1/admin/audit')
      .query({ action: 'credits.granted', actor: adminId })
      .set(asAdmin)
      .expect(200);
    expect(audit.body.data[0]).toMatchObject({
      action: 'credits.granted',
      actorId: adminId,
      subjectId: null,
    });
  });

  it("grants to a user's personal account through /v1/admin/users/:id/credits", async () => {
    const user = await signUp(server.url, 'personal');
    const granted = await api(server)
      .post(`/v1/admin/users/${user.id}/credits`)
      .set(asAdmin)
      .send({ amount: 7, reason: 'Goodwill' })
      .expect(201);
    expect(granted.body).toMatchObject({ balance: 7, entry: { delta: 7, reason: 'admin_grant' } });
    const me = await api(server).get('/v1/me').set(bearer(user)).expect(200);
    expect(me.body.credits.balance).toBe(7);
    const detail = await api(server).get(`/v1/admin/users/${user.id}`).set(asAdmin).expect(200);
    expect(detail.body.credits.ledger[0]).toMatchObject({ reason: 'admin_grant', note: 'Goodwill' });
    const audit = await api(server)
      .get('/v1/admin/audit')
      .query({ action: 'credits.granted', actor: adminId })
      .set(asAdmin)
      .expect(200);
    expect(audit.body.data[0]).toMatchObject({ subjectId: user.id });
  });

  it('spends credits that expire before those that do not, the soonest to expire first', async () => {
    const user = await signUp(server.url, 'order');
    const accountId = await personalAccountOf(user);
    const projectId = await projectOf(user, accountId);
    const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
    await grant(accountId, { amount: 2, reason: 'never expires' }).expect(201);
    await grant(accountId, { amount: 2, reason: 'late', expiresAt: inDays(20) }).expect(201);
    const soonAt = inDays(10);
    const soon = await grant(accountId, { amount: 2, reason: 'soon', expiresAt: soonAt }).expect(201);
    expect(soon.body).toMatchObject({ balance: 6, entry: { delta: 2, expiresAt: soonAt } });

    for (let spend = 0; spend < 3; spend += 1) await exportOnce(user, accountId, projectId).expect(201);
    const credits = await creditsOf(accountId);
    expect(credits.balance).toBe(3);
    expect(credits.expiring).toEqual([{ amount: 2, remaining: 1, expiresAt: expect.any(String) }]);
    expect(Date.parse(credits.expiring[0]!.expiresAt)).toBeGreaterThan(Date.now() + 15 * DAY_MS);

    // A failed request gives its credit back to the lot it came from.
    await exportOnce(user, accountId, '00000000-0000-4000-8000-000000000000').expect(404);
    expect((await creditsOf(accountId)).expiring).toEqual([
      { amount: 2, remaining: 1, expiresAt: credits.expiring[0]!.expiresAt },
    ]);

    for (let spend = 0; spend < 3; spend += 1) await exportOnce(user, accountId, projectId).expect(201);
    const after = await creditsOf(accountId);
    expect(after.balance).toBe(0);
    expect(after.expiring).toEqual([]);
  });

  it('spends a balance partly held in expiring credits exactly under 20 concurrent requests on two instances', async () => {
    const user = await signUp(server.url, 'burst');
    const accountId = await personalAccountOf(user);
    const projectId = await projectOf(user, accountId);
    const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
    await grant(accountId, { amount: 4, reason: 'never expires' }).expect(201);
    await grant(accountId, { amount: 3, reason: 'a', expiresAt: inDays(1) }).expect(201);
    await grant(accountId, { amount: 3, reason: 'b', expiresAt: inDays(2) }).expect(201);

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => exportOnce(user, accountId, projectId, instances[index % 2])),
    );
    expect(responses.filter((response) => response.status === 201)).toHaveLength(10);
    expect(responses.filter((response) => response.status === 402)).toHaveLength(10);
    expect(
      responses
        .filter((response) => response.status === 201)
        .map((response) => response.body.creditsRemaining as number)
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const credits = await creditsOf(accountId);
    expect(credits.balance).toBe(0);
    expect(credits.expiring).toEqual([]);
  });

  it('takes the unexpired remainder out once when an expiry passes, however often and wherever the job runs', async () => {
    const user = await signUp(server.url, 'expiry');
    const accountId = await personalAccountOf(user);
    // A real expiry, two seconds ahead: nothing is spent meanwhile, so the timing cannot change the outcome.
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    await grant(accountId, { amount: 5, reason: 'never expires' }).expect(201);
    await grant(accountId, { amount: 4, reason: 'trial credits', expiresAt }).expect(201);
    expect((await creditsOf(accountId)).balance).toBe(9);

    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now() + 100));
    // Both instances at once, twice each: one instance holds the pass at a time, and a closed lot stays closed.
    const passes = await Promise.all([
      expirePass(instances[0]),
      expirePass(instances[1]),
      expirePass(instances[0]),
      expirePass(instances[1]),
    ]);
    expect(passes.every((pass) => typeof pass.body.ran === 'boolean')).toBe(true);
    await expirePass(instances[1]);

    const credits = await creditsOf(accountId, instances[1]);
    expect(credits.balance).toBe(5);
    expect(credits.expiring).toEqual([]);
    expect(entries(credits, 'credits_expired')).toEqual([
      expect.objectContaining({ delta: -4, balanceAfter: 5 }),
    ]);
    const [row] = await sql<{ count: string }>(
      `SELECT count(*) FROM credit_entries WHERE account_id = $1 AND reason = 'credits_expired'`,
      [accountId],
    );
    expect(row!.count).toBe('1');
  });

  it('takes exactly what is unspent of an expiring grant, never below zero', async () => {
    const user = await signUp(server.url, 'remainder');
    const accountId = await personalAccountOf(user);
    const projectId = await projectOf(user, accountId);
    const tomorrow = new Date(Date.now() + DAY_MS).toISOString();
    await grant(accountId, { amount: 4, reason: 'expiring', expiresAt: tomorrow }).expect(201);
    await grant(accountId, { amount: 2, reason: 'kept' }).expect(201);
    await exportOnce(user, accountId, projectId).expect(201);

    await bringLotsDue(accountId);
    const pass = await expirePass();
    expect(pass.body).toEqual({ ran: true, accounts: 1, creditsExpired: 3 });
    const credits = await creditsOf(accountId);
    expect(credits.balance).toBe(2);
    expect(entries(credits, 'credits_expired')).toEqual([
      expect.objectContaining({ delta: -3, balanceAfter: 2 }),
    ]);
    expect((await expirePass()).body).toEqual({ ran: true, accounts: 0, creditsExpired: 0 });
  });

  it('never spends expired credits, even before the job has run', async () => {
    const user = await signUp(server.url, 'late');
    const accountId = await personalAccountOf(user);
    const projectId = await projectOf(user, accountId);
    await grant(accountId, {
      amount: 2,
      reason: 'expiring',
      expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    }).expect(201);
    await bringLotsDue(accountId);

    const refused = await exportOnce(user, accountId, projectId).expect(402);
    expect(refused.body).toMatchObject({
      code: 'insufficient_credits',
      credits: { required: 1, balance: 0 },
    });
    const credits = await creditsOf(accountId);
    expect(credits.balance).toBe(0);
    expect(entries(credits, 'credits_expired')).toEqual([
      expect.objectContaining({ delta: -2, balanceAfter: 0 }),
    ]);
    expect((await expirePass()).body.creditsExpired).toBe(0);
  });

  it('sells packs whose credits expire creditsExpireAfterDays after the purchase', async () => {
    const plan = await createPlan(server, world.asAdmin, {
      ...creditPackPlan(uniquePlanKey('expiring'), 5),
      prices: [
        { interval: 'one_time', amount: 500, currency: 'usd', credits: 5, creditsExpireAfterDays: 30 },
      ],
    });
    const pack = priceOf(plan, 'one_time');
    expect(pack).toMatchObject({ credits: 5, creditsExpireAfterDays: 30 });
    expect(world.stripe.retrieve(pack.stripePriceId)).toMatchObject({
      metadata: expect.objectContaining({ tollgate_credits: '5', tollgate_credits_expire_after_days: '30' }),
    });
    const listed = await api(server).get('/v1/plans').expect(200);
    const sold = listed.body.data.find((candidate: { key: string }) => candidate.key === plan.key);
    expect(sold.prices).toEqual([expect.objectContaining({ credits: 5, creditsExpireAfterDays: 30 })]);

    const user = await signUp(server.url, 'pack');
    const accountId = await personalAccountOf(user);
    const projectId = await projectOf(user, accountId);
    const { completion } = await payForCreditPack({ server, stripe: world.stripe }, user, pack);
    const boughtAt = Date.now();
    await deliverAll(server, world.stripe, completion.events);
    const bought = await creditsOf(accountId);
    expect(bought.balance).toBe(5);
    expect(bought.expiring).toEqual([{ amount: 5, remaining: 5, expiresAt: expect.any(String) }]);
    const expiresIn = Date.parse(bought.expiring[0]!.expiresAt) - boughtAt;
    expect(Math.abs(expiresIn - 30 * DAY_MS)).toBeLessThan(60_000);

    await exportOnce(user, accountId, projectId).expect(201);
    await exportOnce(user, accountId, projectId).expect(201);
    await bringLotsDue(accountId);
    await expirePass(instances[1]);
    const credits = await creditsOf(accountId);
    expect(credits.balance).toBe(0);
    expect(entries(credits, 'credits_expired')).toEqual([
      expect.objectContaining({ delta: -3, balanceAfter: 0 }),
    ]);
  });

  it("takes a refunded pack's credits back from its own lot first", async () => {
    const plan = await createPlan(server, world.asAdmin, {
      ...creditPackPlan(uniquePlanKey('refunded'), 5),
      prices: [
        { interval: 'one_time', amount: 500, currency: 'usd', credits: 5, creditsExpireAfterDays: 30 },
      ],
    });
    const user = await signUp(server.url, 'refund');
    const accountId = await personalAccountOf(user);
    const projectId = await projectOf(user, accountId);
    // A grant expiring sooner than the pack: spends take it first.
    await grant(accountId, {
      amount: 3,
      reason: 'sooner',
      expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
    }).expect(201);
    const { completion } = await payForCreditPack(
      { server, stripe: world.stripe },
      user,
      priceOf(plan, 'one_time'),
    );
    await deliverAll(server, world.stripe, completion.events);
    await exportOnce(user, accountId, projectId).expect(201);
    await exportOnce(user, accountId, projectId).expect(201);
    // The grant has 1 left, the pack all 5.

    const refund = world.stripe.scenarios.refundCharge(must(completion.charge, 'a charge').id);
    await deliverAll(server, world.stripe, [refund.event('charge.refunded')]);
    const credits = await eventually(async () => {
      const current = await creditsOf(accountId);
      expect(current.balance).toBe(1);
      return current;
    });
    expect(entries(credits, 'refund')).toEqual([expect.objectContaining({ delta: -5, balanceAfter: 1 })]);
    expect(credits.expiring).toEqual([{ amount: 3, remaining: 1, expiresAt: expect.any(String) }]);
  });

  it('puts only what a refund processed before the purchase left into the lot, once however often the purchase arrives', async () => {
    const plan = await createPlan(server, world.asAdmin, {
      ...creditPackPlan(uniquePlanKey('early-refund'), 5),
      prices: [{ interval: 'one_time', amount: 500, currency: 'usd', credits: 5, creditsExpireAfterDays: 7 }],
    });
    const user = await signUp(server.url, 'early-refund');
    const accountId = await personalAccountOf(user);
    const { completion, completed } = await payForCreditPack(
      { server, stripe: world.stripe },
      user,
      priceOf(plan, 'one_time'),
    );
    const refund = world.stripe.scenarios.refundCharge(must(completion.charge, 'a charge').id, {
      amount: 250,
    });
    await deliverAll(server, world.stripe, [refund.event('charge.refunded')]);
    await deliverAll(instances[1], world.stripe, [completed, completed]);

    const credits = await eventually(async () => {
      const current = await creditsOf(accountId);
      expect(current.balance).toBe(3); // 5 − floor(5 × 250 / 500)
      return current;
    });
    expect(credits.expiring).toEqual([{ amount: 5, remaining: 3, expiresAt: expect.any(String) }]);
    await bringLotsDue(accountId);
    await expirePass();
    const expired = await creditsOf(accountId);
    expect(expired.balance).toBe(0);
    expect(entries(expired, 'credits_expired')).toEqual([expect.objectContaining({ delta: -3 })]);
  });

  it('reads creditsExpireAfterDays back from Stripe when the catalog is imported', async () => {
    const plan = await createPlan(server, world.asAdmin, creditPackPlan(uniquePlanKey('imported'), 5));
    const added = await world.stripe.createClient().prices.create({
      product: plan.stripeProductId,
      unit_amount: 900,
      currency: 'usd',
      metadata: { tollgate_credits: '10', tollgate_credits_expire_after_days: '90' },
    });
    await api(server).post('/v1/admin/catalog/sync').set(asAdmin).expect(201);
    const listed = await api(server).get('/v1/plans').expect(200);
    const synced = listed.body.data.find((candidate: { key: string }) => candidate.key === plan.key);
    expect(synced.prices).toContainEqual(
      expect.objectContaining({ stripePriceId: added.id, credits: 10, creditsExpireAfterDays: 90 }),
    );
  });

  it('expires credits by itself every CREDIT_EXPIRY_INTERVAL_MS', async () => {
    const timed = await startTestServer({ ...world.env, CREDIT_EXPIRY_INTERVAL_MS: '200' });
    try {
      const user = await signUp(server.url, 'timer');
      const accountId = await personalAccountOf(user);
      await grant(accountId, {
        amount: 6,
        reason: 'expiring',
        expiresAt: new Date(Date.now() + DAY_MS).toISOString(),
      }).expect(201);
      await bringLotsDue(accountId);
      const credits = await eventually(async () => {
        const current = await creditsOf(accountId);
        expect(current.balance).toBe(0);
        return current;
      });
      expect(entries(credits, 'credits_expired')).toEqual([
        expect.objectContaining({ delta: -6, balanceAfter: 0 }),
      ]);
    } finally {
      await timed.stop();
    }
  });

  it('answers bad grants with 400 problem+json and unknown accounts with 404', async () => {
    const user = await signUp(server.url, 'bad');
    const accountId = await personalAccountOf(user);
    const past = new Date(Date.now() - 60_000).toISOString();
    const bodies: [object, string][] = [
      [{ amount: 0, reason: 'x' }, 'amount'],
      [{ amount: -5, reason: 'x' }, 'amount'],
      [{ amount: 1.5, reason: 'x' }, 'amount'],
      [{ amount: '5', reason: 'x' }, 'amount'],
      [{ amount: 1_000_000_001, reason: 'x' }, 'amount'],
      [{ reason: 'x' }, 'amount'],
      [{ amount: 5 }, 'reason'],
      [{ amount: 5, reason: '' }, 'reason'],
      [{ amount: 5, reason: 'x'.repeat(201) }, 'reason'],
      [{ amount: 5, reason: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ amount: 5, reason: 'x', expiresAt: past }, 'expiresAt'],
    ];
    for (const [body, field] of bodies) {
      const response = await grant(accountId, body).expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.body.code).toBe('validation_failed');
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect((await creditsOf(accountId)).ledger).toEqual([]);

    const unknown = await grant('00000000-0000-4000-8000-000000000000', { amount: 5, reason: 'x' }).expect(
      404,
    );
    expect(unknown.body.code).toBe('account_not_found');
    const unknownUser = await api(server)
      .post('/v1/admin/users/00000000-0000-4000-8000-000000000000/credits')
      .set(asAdmin)
      .send({ amount: 5, reason: 'x' })
      .expect(404);
    expect(unknownUser.body.code).toBe('not_found');

    await grant(accountId, { amount: 1_000_000_000, reason: 'a lot' }).expect(201);
    await grant(accountId, { amount: 1_000_000_000, reason: 'a lot more' }).expect(201);
    const overflow = await grant(accountId, { amount: 1_000_000_000, reason: 'too much' }).expect(409);
    expect(overflow.body.code).toBe('conflict');
    expect((await creditsOf(accountId)).balance).toBe(2_000_000_000);
  });

  it('refuses bad pack expiries with 400', async () => {
    const response = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send({
        ...creditPackPlan(uniquePlanKey('bad-expiry'), 5),
        prices: [
          { interval: 'one_time', amount: 500, currency: 'usd', credits: 5, creditsExpireAfterDays: 0 },
          { interval: 'one_time', amount: 600, currency: 'usd', credits: 6, creditsExpireAfterDays: 3651 },
          { interval: 'one_time', amount: 700, currency: 'usd', credits: 7, creditsExpireAfterDays: 1.5 },
          { interval: 'month', amount: 800, currency: 'usd', creditsExpireAfterDays: 30 },
        ],
      })
      .expect(400);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    const fields = response.body.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'prices.0.creditsExpireAfterDays',
        'prices.1.creditsExpireAfterDays',
        'prices.2.creditsExpireAfterDays',
        'prices.3.creditsExpireAfterDays',
      ]),
    );
  });

  it('keeps grants and the expiry pass for admins: 403 for a user, 401 without a caller', async () => {
    const user = await signUp(server.url, 'not-admin');
    const accountId = await personalAccountOf(user);
    const forbidden = await api(server)
      .post(`/v1/admin/accounts/${accountId}/credits`)
      .set(bearer(user))
      .send({ amount: 5, reason: 'self-service' })
      .expect(403);
    expect(forbidden.body.code).toBe('forbidden');
    await api(server)
      .post(`/v1/admin/users/${user.id}/credits`)
      .set(bearer(user))
      .send({ amount: 5, reason: 'self-service' })
      .expect(403);
    await api(server).post('/v1/admin/credits/expire').set(bearer(user)).expect(403);
    await api(server)
      .post(`/v1/admin/accounts/${accountId}/credits`)
      .send({ amount: 5, reason: 'x' })
      .expect(401);
    expect((await creditsOf(accountId)).balance).toBe(0);
  });
});
