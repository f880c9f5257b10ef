import jwt from 'jsonwebtoken';

import { bearer, signUp, uniqueEmail } from '../support/accounts';
import { cleanEnvironment, runToExit } from '../support/server-process';
import { api, startTestServer, TEST_JWT_SECRET, TestServer } from '../support/test-app';

const PROBLEM = /application\/problem\+json/;

/** For a server run to its exit: no embedded database, whatever happens. */
function onTestDatabase(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return cleanEnvironment({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    MIGRATE_ON_BOOT: 'false',
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    ...extra,
  });
}

describe('accounts: signup, login, /v1/me, API keys', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('signs up, logs in and reads /v1/me with the token', async () => {
    const email = uniqueEmail('ada');
    const signup = await api(server)
      .post('/v1/auth/signup')
      .send({ email, password: 'analytical-engine', name: 'Ada' })
      .expect(201);
    expect(signup.body.user).toEqual({
      id: expect.any(String),
      email,
      name: 'Ada',
      role: 'user',
      emailVerified: false,
    });
    expect(signup.body.user).not.toHaveProperty('passwordHash');

    const login = await api(server)
      .post('/v1/auth/login')
      .send({ email: email.toUpperCase(), password: 'analytical-engine' })
      .expect(200);
    expect(login.body.user).toEqual(signup.body.user);

    const me = await api(server).get('/v1/me').set(bearer(login.body)).expect(200);
    expect(me.body).toEqual({
      id: signup.body.user.id,
      email,
      name: 'Ada',
      role: 'user',
      emailVerified: false,
      subscription: null,
      entitlements: expect.any(Array),
      credits: { balance: 0 },
      accounts: [{ id: expect.any(String), name: 'Ada', personal: true, role: 'owner' }],
      account: { id: expect.any(String), name: 'Ada', personal: true, role: 'owner' },
    });
  });

  it('creates an API key shown once, authenticates with it, and revokes it', async () => {
    const account = await signUp(server.url);
    const created = await api(server)
      .post('/v1/api-keys')
      .set(bearer(account))
      .send({ name: 'CI' })
      .expect(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      name: 'CI',
      key: expect.stringMatching(/^tg_/),
    });

    const listed = await api(server).get('/v1/api-keys').set(bearer(account)).expect(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).not.toHaveProperty('key');
    expect(created.body.key.startsWith(listed.body.data[0].prefix)).toBe(true);

    const me = await api(server).get('/v1/me').set('X-API-Key', created.body.key).expect(200);
    expect(me.body.id).toBe(account.id);

    const session = await api(server).get('/v1/auth/session').set('X-API-Key', created.body.key).expect(200);
    expect(session.body).toEqual({
      userId: account.id,
      email: account.email,
      role: 'user',
      accountId: created.body.accountId,
    });

    await api(server).delete(`/v1/api-keys/${created.body.id}`).set(bearer(account)).expect(204);
    const afterRevoke = await api(server).get('/v1/me').set('X-API-Key', created.body.key).expect(401);
    expect(afterRevoke.body.code).toBe('unauthenticated');
    await api(server).delete(`/v1/api-keys/${created.body.id}`).set(bearer(account)).expect(404);
  });

  it("cannot revoke another user's key", async () => {
    const owner = await signUp(server.url);
    const other = await signUp(server.url);
    const created = await api(server)
      .post('/v1/api-keys')
      .set(bearer(owner))
      .send({ name: 'mine' })
      .expect(201);
    await api(server).delete(`/v1/api-keys/${created.body.id}`).set(bearer(other)).expect(404);
    await api(server).get('/v1/me').set('X-API-Key', created.body.key).expect(200);
  });

  it('rejects missing, tampered, foreign and expired tokens with 401 problem+json', async () => {
    const account = await signUp(server.url);
    const [header, payload] = account.accessToken.split('.');
    const { sid } = jwt.decode(account.accessToken) as { sid: string };
    const claims = { sub: account.id, sid, iss: 'tollgate' };
    const tokens = {
      none: undefined,
      tampered: `${header}.${payload}.${'A'.repeat(43)}`,
      foreign: jwt.sign(claims, 'another-secret-another-secret-another-secret'),
      expired: jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET),
      // Signed with the right secret, but not as login signs them.
      neverExpiring: jwt.sign(claims, TEST_JWT_SECRET),
      notAUserId: jwt.sign({ ...claims, sub: 42 }, TEST_JWT_SECRET, { expiresIn: 60 }),
      noSession: jwt.sign({ ...claims, sid: undefined }, TEST_JWT_SECRET, { expiresIn: 60 }),
      notASessionId: jwt.sign({ ...claims, sid: 'root' }, TEST_JWT_SECRET, { expiresIn: 60 }),
      garbage: 'not-a-jwt',
    };
    for (const token of Object.values(tokens)) {
      const call = api(server).get('/v1/me');
      if (token) call.set('authorization', `Bearer ${token}`);
      const response = await call.expect(401);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.body).toMatchObject({
        status: 401,
        code: 'unauthenticated',
        type: '/problems/unauthenticated',
      });
    }
    await api(server).get('/v1/me').set('X-API-Key', 'tg_unknown').expect(401);
    await api(server).get('/v1/auth/session').set('authorization', `Bearer ${tokens.tampered}`).expect(401);
    const session = await api(server).get('/v1/auth/session').set(bearer(account)).expect(200);
    expect(session.body).toEqual({
      userId: account.id,
      email: account.email,
      role: 'user',
      accountId: expect.any(String),
    });
  });

  it('answers bad input with the right 4xx problem', async () => {
    const malformed = await api(server)
      .post('/v1/auth/signup')
      .set('content-type', 'application/json')
      .send('{"email": "a@b.c", "password": ')
      .expect(400);
    expect(malformed.headers['content-type']).toMatch(PROBLEM);
    expect(malformed.body.code).toBe('malformed_json');

    const wrongTypes = await api(server)
      .post('/v1/auth/signup')
      .send({ email: 42, password: ['x'] })
      .expect(400);
    expect(wrongTypes.body.code).toBe('validation_failed');
    expect(wrongTypes.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['email', 'password']),
    );

    const unknownField = await api(server)
      .post('/v1/auth/signup')
      .send({ email: uniqueEmail(), password: 'long-enough-password', role: 'admin' })
      .expect(400);
    expect(unknownField.body.errors).toContainEqual({
      field: 'role',
      message: 'role is not an accepted field',
    });

    const nulByte = await api(server)
      .post('/v1/auth/signup')
      .send({ email: uniqueEmail(), password: 'long-enough-password', name: 'bad\u0000name' })
      .expect(400);
    expect(nulByte.body.errors[0].field).toBe('name');

    await api(server)
      .post('/v1/auth/signup')
      .send({ email: uniqueEmail(), password: 'long-enough-password', name: 'n'.repeat(201) })
      .expect(400);

    const huge = await api(server)
      .post('/v1/auth/signup')
      .send({ email: uniqueEmail(), password: 'p'.repeat(200 * 1024) })
      .expect(413);
    expect(huge.body.code).toBe('payload_too_large');

    const notJson = await api(server).post('/v1/auth/signup').set('content-type', 'text/xml').send('<a/>');
    expect(notJson.status).toBe(415);
    expect(notJson.body.code).toBe('unsupported_media_type');

    await api(server)
      .delete('/v1/api-keys/not-a-uuid')
      .set(bearer(await signUp(server.url)))
      .expect(400);
  });

  it('refuses weak passwords at signup with 400 weak_password, saying which rule failed', async () => {
    const email = uniqueEmail('grace');
    const localPart = email.split('@')[0] ?? '';
    const refusals: Array<[password: string, detail: RegExp]> = [
      ['password1234', /breached/],
      ['123456789012', /breached/],
      ['QwertyUiop123', /breached/],
      ['Tr0ub4dor&3', /at least 12 characters/],
      [`my ${localPart.toUpperCase()} secret`, /before the @/],
      ['a'.repeat(257), /at most 256 characters/],
    ];
    for (const [password, detail] of refusals) {
      const response = await api(server).post('/v1/auth/signup').send({ email, password }).expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.body).toMatchObject({
        code: 'weak_password',
        status: 400,
        detail: expect.stringMatching(detail),
      });
      expect(JSON.stringify(response.body)).not.toContain(password);
    }

    const longest = 'z'.repeat(255) + '!';
    await api(server).post('/v1/auth/signup').send({ email, password: longest }).expect(201);
    await api(server).post('/v1/auth/login').send({ email, password: longest }).expect(200);
    await api(server)
      .post('/v1/auth/signup')
      .send({ email: uniqueEmail('strong'), password: 'violet lighthouse 42 minutes' })
      .expect(201);
  });

  it('refuses a duplicate email (any case) with 409 email_taken', async () => {
    const account = await signUp(server.url);
    const response = await api(server)
      .post('/v1/auth/signup')
      .send({ email: account.email.toUpperCase(), password: 'another-password' })
      .expect(409);
    expect(response.body).toMatchObject({ code: 'email_taken', status: 409, instance: '/v1/auth/signup' });
  });

  it('answers a wrong password with 401, and throttles after 10 failures in 15 minutes', async () => {
    const account = await signUp(server.url);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await api(server)
        .post('/v1/auth/login')
        .send({ email: account.email, password: `wrong-${attempt}` })
        .expect(401);
      expect(response.body.code).toBe('invalid_credentials');
    }
    const blocked = await api(server)
      .post('/v1/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(429);
    expect(blocked.body.code).toBe('too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);

    const otherAccount = await signUp(server.url);
    await api(server)
      .post('/v1/auth/login')
      .send({ email: otherAccount.email, password: otherAccount.password })
      .expect(200);
  });

  it("counts each account's failures alone: another account's login resets none of them", async () => {
    const [target, bystander] = await Promise.all([
      signUp(server.url, 'target'),
      signUp(server.url, 'bystander'),
    ]);
    const failLogin = (attempt: number) =>
      api(server)
        .post('/v1/auth/login')
        .send({ email: target.email, password: `wrong-${attempt}` })
        .expect(401);
    for (let attempt = 1; attempt <= 9; attempt++) {
      await failLogin(attempt);
      await api(server)
        .post('/v1/auth/login')
        .send({ email: bystander.email, password: bystander.password })
        .expect(200);
    }
    await failLogin(10);
    const blocked = await api(server)
      .post('/v1/auth/login')
      .send({ email: target.email, password: target.password })
      .expect(429);
    expect(blocked.body.code).toBe('too_many_attempts');
  });

  it('does not tell unknown emails from wrong passwords', async () => {
    const response = await api(server)
      .post('/v1/auth/login')
      .send({ email: uniqueEmail('ghost'), password: 'whatever-password' })
      .expect(401);
    expect(response.body.code).toBe('invalid_credentials');
  });

  it('echoes X-Request-Id, or makes one', async () => {
    const echoed = await api(server).get('/health').set('X-Request-Id', 'req-123').expect(200);
    expect(echoed.headers['x-request-id']).toBe('req-123');
    const made = await api(server).get('/health').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('admin bootstrap from ADMIN_EMAIL and ADMIN_PASSWORD', () => {
  it('creates the admin account, and never adopts an account signed up with that email first', async () => {
    // The attack: sign up with the future ADMIN_EMAIL and make a key before the operator sets it.
    const first = await startTestServer();
    const squatter = await signUp(first.url, 'future-admin');
    const key = await api(first)
      .post('/v1/api-keys')
      .set(bearer(squatter))
      .send({ name: 'kept for later' })
      .expect(201);
    await first.stop();

    const adminPassword = 'admin-password-123';
    const refusing = await startTestServer({ ADMIN_EMAIL: squatter.email, ADMIN_PASSWORD: adminPassword });
    try {
      await api(refusing).get('/v1/admin/users').set('X-API-Key', key.body.key).expect(403);
      await api(refusing)
        .post('/v1/auth/login')
        .send({ email: squatter.email, password: adminPassword })
        .expect(401);
      const login = await api(refusing)
        .post('/v1/auth/login')
        .send({ email: squatter.email, password: squatter.password })
        .expect(200);
      expect(login.body.user.role).toBe('user');
      const namingAdminEmail = refusing
        .output()
        .split('\n')
        .filter((line) => line.includes('ADMIN_EMAIL'));
      expect(namingAdminEmail).toHaveLength(1);
      expect(JSON.parse(namingAdminEmail[0]!)).toMatchObject({ level: 50 });
      expect(namingAdminEmail[0]).toContain(squatter.email);
    } finally {
      await refusing.stop();
    }

    const created = uniqueEmail('admin');
    const withNewAdmin = await startTestServer({ ADMIN_EMAIL: created, ADMIN_PASSWORD: adminPassword });
    try {
      const login = await api(withNewAdmin)
        .post('/v1/auth/login')
        .send({ email: created, password: adminPassword })
        .expect(200);
      expect(login.body.user.role).toBe('admin');
      expect(withNewAdmin.output()).not.toContain('"level":50');
    } finally {
      await withNewAdmin.stop();
    }
  }, 120_000); // three boots, one after the other

  it('refuses to boot on a weak ADMIN_PASSWORD, with one line that does not echo it', async () => {
    const { code, stderr } = await runToExit(
      onTestDatabase({ ADMIN_EMAIL: uniqueEmail('weak-admin'), ADMIN_PASSWORD: 'qwertyuiop123' }),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: ADMIN_PASSWORD refused\. .*breached/),
    ]);
    expect(stderr).not.toContain('qwertyuiop123');
  });
});

describe('PASSWORD_MIN_LENGTH', () => {
  it('is the signup minimum, and login does not apply the policy to older passwords', async () => {
    const first = await startTestServer();
    const existing = await signUp(first.url);
    const twelve = { email: uniqueEmail('twelve'), password: 'twelve chars' };
    try {
      await api(first).post('/v1/auth/signup').send(twelve).expect(201);
    } finally {
      await first.stop();
    }

    const stricter = await startTestServer({ PASSWORD_MIN_LENGTH: '40' });
    try {
      const refused = await api(stricter)
        .post('/v1/auth/signup')
        .send({ email: uniqueEmail(), password: existing.password })
        .expect(400);
      expect(refused.body).toMatchObject({
        code: 'weak_password',
        detail: expect.stringMatching(/at least 40/),
      });
      await api(stricter).post('/v1/auth/login').send(twelve).expect(200);
      await api(stricter)
        .post('/v1/auth/login')
        .send({ email: existing.email, password: existing.password })
        .expect(200);
    } finally {
      await stricter.stop();
    }
  }, 120_000); // two boots

  it('stops the boot on an out-of-range value', async () => {
    const { code, stderr } = await runToExit(onTestDatabase({ PASSWORD_MIN_LENGTH: '4' }));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid configuration: PASSWORD_MIN_LENGTH/);
  });
});

describe('a burst of signups', () => {
  it('leaves concurrent requests their database connections (no 503)', async () => {
    // Fresh, so that the pool has no spare connections: requests during the burst open new ones.
    const server = await startTestServer();
    try {
      const existing = await signUp(server.url);
      const signups = Array.from({ length: 20 }, () =>
        api(server)
          .post('/v1/auth/signup')
          .send({ email: uniqueEmail('burst'), password: 'correct horse battery staple' }),
      );
      const reads = Array.from({ length: 10 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, 20 * index));
        return api(server).get('/v1/me').set(bearer(existing));
      });

      const responses = await Promise.all([...signups, ...reads]);
      expect(responses.map((response) => response.status)).toEqual([
        ...Array(20).fill(201),
        ...Array(10).fill(200),
      ]);
    } finally {
      await server.stop();
    }
  });
});
