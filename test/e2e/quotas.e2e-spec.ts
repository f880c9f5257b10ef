import { bearer, signUp, TestAccount } from '../support/accounts';
import { adminEnvironment, adminHeaders } from '../support/admin';
import { isolatedDatabase, sleep } from '../support/billing';
import { shiftedClock, ShiftedClock } from '../support/shifted-clock';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

const FREE_ANALYSES_PER_DAY = 20;

async function projectOf(server: TestServer, user: TestAccount): Promise<string> {
  const created = await api(server)
    .post('/v1/projects')
    .set(bearer(user))
    .send({ name: 'quota' })
    .expect(201);
  return created.body.id as string;
}

function analyse(server: TestServer, user: TestAccount, projectId: string) {
  return api(server).post('/v1/analyses').set(bearer(user)).send({ projectId });
}

async function analysesAtOnce(servers: TestServer[], user: TestAccount, projectId: string, count: number) {
  const statuses = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      analyse(servers[index % servers.length]!, user, projectId).then((response) => response.status),
    ),
  );
  return { created: statuses.filter((status) => status === 201).length, statuses };
}

async function usageOf(server: TestServer, user: TestAccount, feature = 'analyses') {
  const usage = await api(server).get('/v1/usage').set(bearer(user)).expect(200);
  return (usage.body.data as { feature: string; used: number; limit: number | null }[]).find(
    (entry) => entry.feature === feature,
  );
}

describe('quotas: the free plan analyses 20 projects a day', () => {
  let database: TestDatabaseServer;
  let clock: ShiftedClock;
  let server: TestServer;

  beforeAll(async () => {
    database = await isolatedDatabase();
    clock = shiftedClock();
    server = await startTestServer({ DATABASE_URL: database.url, ...clock.env });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.release();
    clock?.remove();
  });

  it('gives exactly 20 of 45 concurrent analyses, then 402 quota_exhausted with the quota and Retry-After', async () => {
    const user = await signUp(server.url, 'burst');
    const projectId = await projectOf(server, user);
    const burst = await analysesAtOnce([server], user, projectId, 45);
    expect(burst.created).toBe(FREE_ANALYSES_PER_DAY);
    expect(burst.statuses.filter((status) => status === 402)).toHaveLength(45 - FREE_ANALYSES_PER_DAY);

    const refused = await analyse(server, user, projectId).expect(402);
    const resetsAt = new Date(refused.body.quota.resetsAt as string);
    expect(refused.body).toMatchObject({
      code: 'quota_exhausted',
      feature: 'analyses',
      quota: { limit: 20, used: 20, period: 'day' },
    });
    expect(resetsAt.getUTCHours()).toBe(0);
    expect(resetsAt.getTime()).toBeGreaterThan(Date.now());
    expect(resetsAt.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(Math.abs(Date.now() + retryAfter * 1000 - resetsAt.getTime())).toBeLessThan(5_000);
    expect(await usageOf(server, user)).toMatchObject({ limit: 20, used: 20, period: 'day', overage: null });
  });

  it('counts only successful requests: a 404 and a 400 give their use back', async () => {
    const user = await signUp(server.url, 'failures');
    const projectId = await projectOf(server, user);
    await analyse(server, user, projectId).expect(201);
    await analyse(server, user, '00000000-0000-4000-8000-000000000000').expect(404);
    await api(server).post('/v1/analyses').set(bearer(user)).send({ projectId: 'nope' }).expect(400);
    expect((await usageOf(server, user))?.used).toBe(1);
    const rest = await analysesAtOnce([server], user, projectId, 25);
    expect(rest.created).toBe(FREE_ANALYSES_PER_DAY - 1);
  });

  it("counts per account: another user's quota is untouched, and a project of theirs is 404", async () => {
    const first = await signUp(server.url, 'first');
    const second = await signUp(server.url, 'second');
    const firstProject = await projectOf(server, first);
    expect((await analysesAtOnce([server], first, firstProject, 21)).created).toBe(20);
    await analyse(server, second, firstProject).expect(404);
    expect((await usageOf(server, second))?.used).toBe(0);
    await analyse(server, second, await projectOf(server, second)).expect(201);
  });

  async function signInAgain(user: TestAccount): Promise<TestAccount> {
    const login = await api(server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    return { ...user, accessToken: login.body.accessToken as string };
  }

  it('resets at the end of the UTC day (the service clock moved, not slept)', async () => {
    const user = await signUp(server.url, 'reset');
    const projectId = await projectOf(server, user);
    const now = Date.now();
    const nextMidnight = Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate() + 1,
    );
    clock.shiftTo(nextMidnight - now - 3_000);
    await sleep(150);
    // Access tokens live 15 minutes: hours later on the server's clock, the user signs in again.
    const late = await signInAgain(user);
    expect((await analysesAtOnce([server], late, projectId, 21)).created).toBe(20);
    const refused = await analyse(server, late, projectId).expect(402);
    expect(new Date(refused.body.quota.resetsAt as string).getTime()).toBe(nextMidnight);

    clock.shiftTo(nextMidnight - now + 1_000);
    await sleep(150);
    const again = await signInAgain(user);
    await analyse(server, again, projectId).expect(201);
    expect(await usageOf(server, again)).toMatchObject({
      used: 1,
      resetsAt: new Date(nextMidnight + 24 * 3_600_000).toISOString(),
    });
    clock.shiftTo(0);
    await sleep(150);
  });

  it('counts each use once in GET /v1/usage and GET /v1/me, also while the uses are being flushed', async () => {
    const user = await signUp(server.url, 'flushed-while-read');
    const projectId = await projectOf(server, user);
    let started = 0;
    let completed = 0;
    let using = true;
    const readings: { route: string; completedBefore: number; used: number; startedBefore: number }[] = [];
    const usedOf = {
      usage: async () => (await usageOf(server, user))!.used,
      me: async () => {
        const me = await api(server).get('/v1/me').set(bearer(user)).expect(200);
        return (me.body.entitlements as { feature: string; used: number }[]).find(
          (entitlement) => entitlement.feature === 'analyses',
        )!.used;
      },
    };
    const reader = async (route: keyof typeof usedOf) => {
      while (using) {
        const completedBefore = completed;
        const used = await usedOf[route]();
        readings.push({ route, completedBefore, used, startedBefore: started });
      }
    };
    const readers = Array.from({ length: 8 }, (_, index) => reader(index % 2 ? 'me' : 'usage'));
    // 20 uses over about 3 s: the instance flushes them once a second while the readers read.
    for (let use = 0; use < FREE_ANALYSES_PER_DAY; use++) {
      started++;
      await analyse(server, user, projectId).expect(201);
      completed++;
      await sleep(150);
    }
    using = false;
    await Promise.all(readers);

    expect(readings.length).toBeGreaterThan(100);
    const miscounted = readings.filter(
      (reading) => reading.used < reading.completedBefore || reading.used > reading.startedBefore,
    );
    expect(miscounted).toEqual([]);
    expect(await usageOf(server, user)).toMatchObject({ used: FREE_ANALYSES_PER_DAY });
  });
});

describe('quotas: /v1/estimates counts api_calls, asked by GET or by POST', () => {
  let database: TestDatabaseServer;
  let server: TestServer;

  beforeAll(async () => {
    database = await isolatedDatabase();
    const admin = adminEnvironment();
    server = await startTestServer({ DATABASE_URL: database.url, ...admin });
    const plans = await api(server).get('/v1/plans').expect(200);
    const free = (plans.body.data as { key: string; features: object[] }[]).find(
      (plan) => plan.key === 'free',
    )!;
    await api(server)
      .patch('/v1/admin/plans/free')
      .set(await adminHeaders(server.url, admin))
      .send({ features: [...free.features, { key: 'api_calls', limit: 3, period: 'day' }] })
      .expect(200);
  });

  afterAll(async () => {
    await server?.stop();
    await database?.release();
  });

  it('sizes a text either way, gives back the uses of refused requests, and answers 402 past the quota', async () => {
    const user = await signUp(server.url, 'estimates');
    const asked = await api(server)
      .get('/v1/estimates')
      .query({ text: 'two  words' })
      .set(bearer(user))
      .expect(200);
    expect(asked.body).toEqual({ words: 2, characters: 10 });
    const posted = await api(server)
      .post('/v1/estimates')
      .set(bearer(user))
      .send({ text: 'a b 😀' })
      .expect(200);
    expect(posted.body).toEqual({ words: 3, characters: 5 });

    const missing = await api(server).get('/v1/estimates').set(bearer(user)).expect(400);
    expect(missing.body.code).toBe('validation_failed');
    await api(server).get('/v1/estimates').query({ text: 'a', extra: '1' }).set(bearer(user)).expect(400);
    await api(server).get('/v1/estimates?text=a&text=b').set(bearer(user)).expect(400);
    expect((await usageOf(server, user, 'api_calls'))?.used).toBe(2);

    await api(server).get('/v1/estimates').query({ text: 'third' }).set(bearer(user)).expect(200);
    const refused = await api(server)
      .get('/v1/estimates')
      .query({ text: 'fourth' })
      .set(bearer(user))
      .expect(402);
    expect(refused.body).toMatchObject({
      code: 'quota_exhausted',
      feature: 'api_calls',
      quota: { limit: 3, used: 3, period: 'day' },
    });
    await api(server).post('/v1/estimates').set(bearer(user)).send({ text: 'fifth' }).expect(402);
    expect(await usageOf(server, user, 'api_calls')).toMatchObject({ limit: 3, used: 3 });
  });
});

describe('quotas across two instances and a kill -9', () => {
  let database: TestDatabaseServer;
  let servers: TestServer[] = [];

  beforeAll(async () => {
    database = await isolatedDatabase();
    servers = await Promise.all([
      startTestServer({ DATABASE_URL: database.url }),
      startTestServer({ DATABASE_URL: database.url }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.release();
  });

  it('never lets two instances together past the quota, and serves all of it', async () => {
    const user = await signUp(servers[0]!.url, 'two');
    const projectId = await projectOf(servers[0]!, user);
    const burst = await analysesAtOnce(servers, user, projectId, 60);
    expect(burst.created).toBeLessThanOrEqual(FREE_ANALYSES_PER_DAY);
    // What an instance leased and left unused goes back after a few idle seconds: the rest is served.
    let created = burst.created;
    for (let round = 0; round < 20 && created < FREE_ANALYSES_PER_DAY; round++) {
      await sleep(1_000);
      created += (await analysesAtOnce(servers, user, projectId, 4)).created;
    }
    console.log(`two instances: ${burst.created} of 60 in the burst, ${created} in all (quota 20)`);
    expect(created).toBe(FREE_ANALYSES_PER_DAY);
    await sleep(1_200);
    expect((await usageOf(servers[1]!, user))?.used).toBe(FREE_ANALYSES_PER_DAY);
  });

  it('keeps what was flushed across a kill -9 and never counts a use twice', async () => {
    const user = await signUp(servers[0]!.url, 'crash');
    const projectId = await projectOf(servers[0]!, user);
    expect((await analysesAtOnce([servers[0]!], user, projectId, 12)).created).toBe(12);
    await sleep(1_500);
    await servers[0]!.stop('SIGKILL');
    servers[0] = await startTestServer({ DATABASE_URL: database.url });
    expect((await usageOf(servers[0], user))?.used).toBe(12);
    // The killed instance's unused lease is free again: exactly the 8 left, on either instance.
    expect((await analysesAtOnce(servers, user, projectId, 20)).created).toBe(8);
    await sleep(1_200);
    expect((await usageOf(servers[1]!, user))?.used).toBe(FREE_ANALYSES_PER_DAY);
  });

  it('flushes the uses of the last second when it stops gracefully (SIGTERM)', async () => {
    const user = await signUp(servers[0]!.url, 'graceful');
    const projectId = await projectOf(servers[0]!, user);
    // One use, served from the lease the first take asked for: it is only in memory until a flush.
    await analyse(servers[0]!, user, projectId).expect(201);
    expect(await servers[0]!.stop('SIGTERM')).toBe(0);
    expect((await usageOf(servers[1]!, user))?.used).toBe(1);
    servers[0] = await startTestServer({ DATABASE_URL: database.url });
  });
});
