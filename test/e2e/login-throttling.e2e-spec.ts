import { signUp, TestAccount, uniqueEmail } from '../support/accounts';
import { api, startTestServer, TestServer } from '../support/test-app';

/** Behind one trusted proxy, `X-Forwarded-For` names the client. */
function login(server: TestServer, account: TestAccount, password: string, clientIp: string) {
  return api(server)
    .post('/v1/auth/login')
    .set('X-Forwarded-For', clientIp)
    .send({ email: account.email, password });
}

describe('login throttling, per (email, client IP) and per email, shared by instances', () => {
  let instances: TestServer[];
  let server: TestServer;

  beforeAll(async () => {
    instances = await Promise.all([
      // The per-email cap at its lowest, 20, so that reaching it takes two clients' worth of failures.
      startTestServer({ TRUST_PROXY: '1', LOGIN_FAILURES_PER_ACCOUNT: '20' }),
      startTestServer({ TRUST_PROXY: '1', LOGIN_FAILURES_PER_ACCOUNT: '20' }),
    ]);
    server = instances[0]!;
  });
  afterAll(async () => {
    await Promise.all((instances ?? []).map((instance) => instance.stop()));
  });

  it('checks at most 10 of 60 concurrent wrong passwords for one email from one client, over two instances', async () => {
    const account = await signUp(server.url, 'concurrent');
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        login(instances[index % 2]!, account, `wrong-${index}`, '203.0.113.7'),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50);
    const throttled = responses.find((response) => response.status === 429)!;
    expect(throttled.body).toMatchObject({ code: 'too_many_attempts' });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(800);
  });

  it("lets the owner in from another client while a stranger's client is throttled", async () => {
    const owner = await signUp(server.url, 'owner');
    for (let attempt = 1; attempt <= 10; attempt++) {
      await login(server, owner, `guess-${attempt}`, '198.51.100.1').expect(401);
    }
    await login(server, owner, owner.password, '198.51.100.1').expect(429);
    await login(server, owner, owner.password, '192.0.2.55').expect(200);
  });

  it('caps wrong passwords per email across clients, yet a client that has not failed still logs in', async () => {
    const owner = await signUp(server.url, 'capped');
    // 20 failures from two clients: the per-email cap for the hour (LOGIN_FAILURES_PER_ACCOUNT).
    for (let client = 1; client <= 2; client++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, attempt) =>
          login(server, owner, `guess-${client}-${attempt}`, `198.51.100.${client}`).expect(401),
        ),
      );
    }
    // A client that failed once before is refused outright, even with the right password…
    await login(server, owner, 'one-wrong-guess', '203.0.113.99').expect(401);
    await login(server, owner, owner.password, '203.0.113.99').expect(429);
    // …while the owner's own client, which never failed, gets in.
    await login(server, owner, owner.password, '192.0.2.10').expect(200);
  });

  it('checks a login password before the hashes of a burst of signups queued ahead of it', async () => {
    const owner = await signUp(server.url, 'busy-day');
    const finishedAt: number[] = [];
    const signups = Array.from({ length: 40 }, (_, index) =>
      api(server)
        .post('/v1/auth/signup')
        .set('X-Forwarded-For', `10.1.0.${index}`)
        .send({ email: uniqueEmail('burst'), password: 'correct horse battery staple' })
        .then((response) => {
          finishedAt.push(Date.now());
          return response.status;
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const startedAt = Date.now();
    await login(server, owner, owner.password, '192.0.2.200').expect(200);
    const loggedInAt = Date.now();
    expect(await Promise.all(signups)).toEqual(Array(40).fill(201));
    // First come, first served, the login would wait for nearly all 40 hashes; checked first, for a few.
    expect(finishedAt.filter((moment) => moment > loggedInAt).length).toBeGreaterThanOrEqual(30);
    expect(loggedInAt - startedAt).toBeLessThan(2_000);
  });
});

describe('signups per client', () => {
  it('accepts SIGNUPS_PER_CLIENT_PER_HOUR from one client, then 429 too_many_requests; other clients go on', async () => {
    const server = await startTestServer({ TRUST_PROXY: '1', SIGNUPS_PER_CLIENT_PER_HOUR: '3' });
    try {
      const signup = (clientIp: string) =>
        api(server)
          .post('/v1/auth/signup')
          .set('X-Forwarded-For', clientIp)
          .send({ email: uniqueEmail('limited'), password: 'correct horse battery staple' });
      const first = await Promise.all(Array.from({ length: 5 }, () => signup('203.0.113.50')));
      expect(first.map((response) => response.status).sort()).toEqual([201, 201, 201, 429, 429]);
      const refused = first.find((response) => response.status === 429)!;
      expect(refused.body.code).toBe('too_many_requests');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3_000);
      await signup('203.0.113.51').expect(201);
    } finally {
      await server.stop();
    }
  });
});
