import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { msUntil } from '../support/eventually';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';
import { startTwoInstances, stopTwoInstances } from '../support/two-instances';

const PROBLEM = /^application\/problem\+json/;

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

describe('sessions: short access tokens, rotating refresh tokens, and ending them on every instance', () => {
  let database: TestDatabaseServer;
  let instances: [TestServer, TestServer];
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    ({ database, instances, asAdmin } = await startTwoInstances({ ACCESS_TOKEN_TTL: '120' }));
  });
  afterAll(() => stopTwoInstances({ instances, database }));

  const [first, second] = [() => api(instances[0]), () => api(instances[1])];

  async function login(account: TestAccount, userAgent = 'test-client/1.0'): Promise<Tokens> {
    const response = await first()
      .post('/v1/auth/login')
      .set('user-agent', userAgent)
      .send({ email: account.email, password: account.password })
      .expect(200);
    return response.body as Tokens;
  }

  function refresh(refreshToken: unknown, instance = first) {
    return instance().post('/v1/auth/refresh').send({ refreshToken });
  }

  /** Warms both instances' caches for the token, then waits until both refuse it. */
  async function msUntilRefusedEverywhere(token: string, end: () => Promise<unknown>): Promise<number[]> {
    for (const instance of [first, second]) {
      await instance().get('/v1/me').set('authorization', `Bearer ${token}`).expect(200);
    }
    await end();
    return Promise.all(
      [first, second].map((instance) =>
        msUntil(401, () => instance().get('/v1/me').set('authorization', `Bearer ${token}`)),
      ),
    );
  }

  it('signs in with an access token for ACCESS_TOKEN_TTL seconds and a refresh token, never cached', async () => {
    const account = await signUp(instances[0].url, 'tokens');
    const response = await first()
      .post('/v1/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      user: expect.objectContaining({ id: account.id, email: account.email }),
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^rt_/),
      expiresIn: 120,
    });
    const claims = jwt.decode(response.body.accessToken) as Record<string, unknown>;
    expect(claims).toEqual({
      sub: account.id,
      sid: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
      iss: 'tollgate',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
    expect(account.refreshToken).toMatch(/^rt_/);
  });

  it('rotates the refresh token: each works once, and the new tokens keep the session', async () => {
    const account = await signUp(instances[0].url, 'rotation');
    const rotated = await refresh(account.refreshToken).expect(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotated.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^rt_/),
      expiresIn: 120,
    });
    expect(rotated.body.refreshToken).not.toBe(account.refreshToken);
    const sid = (token: string) => (jwt.decode(token) as { sid: string }).sid;
    expect(sid(rotated.body.accessToken)).toBe(sid(account.accessToken));
    await second().get('/v1/me').set(bearer(rotated.body)).expect(200);
    // The next refresh goes through the other instance: the chain is server state, not instance state.
    const again = await refresh(rotated.body.refreshToken, second).expect(200);
    await first().get('/v1/me').set(bearer(again.body)).expect(200);
  });

  it('ends the whole session when a spent refresh token is presented again: thief and owner both out', async () => {
    const owner = await signUp(instances[0].url, 'stolen');
    const stolenCopy = owner.refreshToken;
    const thief = (await refresh(stolenCopy).expect(200)).body as Tokens;
    await first().get('/v1/me').set(bearer(thief)).expect(200);
    await second().get('/v1/me').set(bearer(thief)).expect(200);

    // The owner, unaware, presents the same (now spent) token.
    const reuse = await refresh(stolenCopy, second).expect(401);
    expect(reuse.headers['content-type']).toMatch(PROBLEM);
    expect(reuse.body.code).toBe('session_revoked');

    const logged = await first().get('/v1/admin/audit?action=session.ended').set(asAdmin);
    expect(logged.body.data).toContainEqual(expect.objectContaining({ actorId: null, subjectId: owner.id }));

    const thiefRefresh = await refresh(thief.refreshToken).expect(401);
    expect(thiefRefresh.body.code).toBe('session_revoked');
    for (const instance of [first, second]) {
      const ms = await msUntil(401, () => instance().get('/v1/me').set(bearer(thief)));
      expect(ms).toBeLessThan(1_000);
      const gone = await instance().get('/v1/me').set(bearer(owner));
      expect(gone.body.code).toBe('session_revoked');
    }
    // Signing in again starts a fresh session.
    await first()
      .get('/v1/me')
      .set(bearer(await login(owner)))
      .expect(200);
  });

  it('lets one of many concurrent uses of a refresh token through, and then ends the session', async () => {
    const account = await signUp(instances[0].url, 'race');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => refresh(account.refreshToken, index % 2 ? second : first)),
    );
    const won = answers.filter((answer) => answer.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(9);
    const winner = must(won[0], 'the one refresh that won').body as Tokens;
    expect((await refresh(winner.refreshToken)).body.code).toBe('session_revoked');
  });

  it('answers 401 invalid_refresh_token to malformed, unknown and foreign tokens, 400 to bad bodies', async () => {
    const account = await signUp(instances[0].url, 'malformed');
    const wellFormedUnknown = account.refreshToken.replace(/\.[^.]+$/, `.${'A'.repeat(43)}`);
    const unknownSession = `rt_${Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url')}.0.${'B'.repeat(43)}`;
    const aheadOfRotation = account.refreshToken.replace(/\.0\./, '.5.');
    for (const token of [
      'rt_garbage',
      account.accessToken,
      wellFormedUnknown,
      unknownSession,
      aheadOfRotation,
      `${account.refreshToken} `,
    ]) {
      const response = await refresh(token).expect(401);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.body.code).toBe('invalid_refresh_token');
    }
    // None of those ended the session.
    await refresh(account.refreshToken).expect(200);
    for (const body of [{}, { refreshToken: 42 }, { refreshToken: 'x'.repeat(5000) }]) {
      const response = await first().post('/v1/auth/refresh').send(body).expect(400);
      expect(response.body.code).toBe('validation_failed');
    }
    const notJson = await first()
      .post('/v1/auth/refresh')
      .set('content-type', 'application/json')
      .send('{"refreshToken":');
    expect(notJson.status).toBe(400);
  });

  it('logs out one session: its tokens stop on every instance within a second, others go on', async () => {
    const account = await signUp(instances[0].url, 'logout');
    const other = await login(account);
    const ms = await msUntilRefusedEverywhere(account.accessToken, () =>
      second().post('/v1/auth/logout').set(bearer(account)).expect(204),
    );
    for (const value of ms) expect(value).toBeLessThan(1_000);
    const refused = await first().get('/v1/me').set(bearer(account)).expect(401);
    expect(refused.body.code).toBe('session_revoked');
    expect((await refresh(account.refreshToken)).body.code).toBe('session_revoked');
    await first().get('/v1/me').set(bearer(other)).expect(200);
    await second().get('/v1/me').set(bearer(other)).expect(200);
    const logged = await first().get(`/v1/admin/audit?action=session.ended&actor=${account.id}`).set(asAdmin);
    expect(logged.body.data).toEqual([
      expect.objectContaining({ actorId: account.id, subjectId: account.id, ip: '127.0.0.1' }),
    ]);
  });

  it('logs out every session with logout-all (API keys stay)', async () => {
    const account = await signUp(instances[0].url, 'logout-all');
    const other = await login(account);
    const key = (await first().post('/v1/api-keys').set(bearer(account)).send({ name: 'ci' }).expect(201))
      .body.key as string;
    await first().post('/v1/auth/logout').set('x-api-key', key).expect(403);
    const ms = await msUntilRefusedEverywhere(other.accessToken, () =>
      first().post('/v1/auth/logout-all').set(bearer(account)).expect(204),
    );
    for (const value of ms) expect(value).toBeLessThan(1_000);
    await second().get('/v1/me').set(bearer(account)).expect(401);
    expect((await refresh(other.refreshToken)).body.code).toBe('session_revoked');
    await second().get('/v1/me').set('x-api-key', key).expect(200);
  });

  it('lists the live sessions with the current one marked, and ends one by id', async () => {
    const account = await signUp(instances[0].url, 'list');
    const laptop = await login(account, 'laptop-browser/2.0');
    const listed = await second().get('/v1/auth/sessions').set(bearer(laptop)).expect(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.body.data).toHaveLength(2);
    const current = listed.body.data.find((session: { current: boolean }) => session.current);
    expect(current).toEqual({
      id: (jwt.decode(laptop.accessToken) as { sid: string }).sid,
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      ip: '127.0.0.1',
      userAgent: 'laptop-browser/2.0',
      current: true,
    });
    const signupSession = listed.body.data.find((session: { current: boolean }) => !session.current);

    const stranger = await signUp(instances[0].url, 'stranger');
    await first().delete(`/v1/auth/sessions/${signupSession.id}`).set(bearer(stranger)).expect(404);
    await first().delete(`/v1/auth/sessions/not-a-uuid`).set(bearer(laptop)).expect(400);
    await first().get('/v1/me').set(bearer(account)).expect(200);

    await first().delete(`/v1/auth/sessions/${signupSession.id}`).set(bearer(laptop)).expect(204);
    await first().delete(`/v1/auth/sessions/${signupSession.id}`).set(bearer(laptop)).expect(404);
    await msUntil(401, () => second().get('/v1/me').set(bearer(account)));
    const after = await first().get('/v1/auth/sessions').set(bearer(laptop)).expect(200);
    expect(after.body.data.map((session: { id: string }) => session.id)).toEqual([current.id]);
  });

  it('honours a session started on another instance at once, even where the user is cached', async () => {
    const account = await signUp(instances[0].url, 'fresh-session');
    await second().get('/v1/me').set(bearer(account)).expect(200);
    for (let attempt = 0; attempt < 5; attempt++) {
      const tokens = await login(account);
      await second().get('/v1/me').set(bearer(tokens)).expect(200);
    }
  });

  it("lets an admin end a user's sessions (401 everywhere within a second); 404 for nobody, 403 for users", async () => {
    const account = await signUp(instances[0].url, 'admin-logout');
    await first().post(`/v1/admin/users/${account.id}/logout`).set(bearer(account)).expect(403);
    const ms = await msUntilRefusedEverywhere(account.accessToken, () =>
      first().post(`/v1/admin/users/${account.id}/logout`).set(asAdmin).expect(204),
    );
    for (const value of ms) expect(value).toBeLessThan(1_000);
    expect((await refresh(account.refreshToken)).body.code).toBe('session_revoked');
    await first().post(`/v1/admin/users/${randomUUID()}/logout`).set(asAdmin).expect(404);
    await first().post(`/v1/admin/users/nobody/logout`).set(asAdmin).expect(400);
    await first()
      .get('/v1/me')
      .set(bearer(await login(account)))
      .expect(200);
  });

  it('ends the sessions of a user an admin disables: enabling again revives none of them', async () => {
    const account = await signUp(instances[0].url, 'disabled');
    await first().patch(`/v1/admin/users/${account.id}`).set(asAdmin).send({ disabled: true }).expect(200);
    expect((await refresh(account.refreshToken)).body.code).toBe('session_revoked');
    await first().patch(`/v1/admin/users/${account.id}`).set(asAdmin).send({ disabled: false }).expect(200);
    expect((await second().get('/v1/me').set(bearer(account))).body.code).toBe('session_revoked');
    expect((await refresh(account.refreshToken)).body.code).toBe('session_revoked');
    await first()
      .get('/v1/me')
      .set(bearer(await login(account)))
      .expect(200);
  });
});
