import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { msUntil } from '../support/eventually';
import { api, TEST_JWT_SECRET, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';
import { startTwoInstances, stopTwoInstances } from '../support/two-instances';

describe('who a token belongs to and what they may do come from server state, on every instance', () => {
  let database: TestDatabaseServer;
  let instances: [TestServer, TestServer];
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    ({ database, instances, asAdmin } = await startTwoInstances());
  });
  afterAll(() => stopTwoInstances({ instances, database }));

  function changeAccess(user: TestAccount, body: Record<string, unknown>) {
    return api(instances[0]).patch(`/v1/admin/users/${user.id}`).set(asAdmin).send(body);
  }

  it("applies a role change to the user's existing token on the other instance within a second", async () => {
    const user = await signUp(instances[0].url, 'promoted');
    const adminRoute = () => api(instances[1]).get('/v1/admin/users').set(bearer(user));
    await adminRoute().expect(403);

    const promoted = await changeAccess(user, { role: 'admin' }).expect(200);
    expect(promoted.body).toMatchObject({ id: user.id, role: 'admin', disabled: false });
    expect(await msUntil(200, adminRoute)).toBeLessThan(1_000);

    await changeAccess(user, { role: 'user' }).expect(200);
    expect(await msUntil(403, adminRoute)).toBeLessThan(1_000);
    const refused = await adminRoute().expect(403);
    expect(refused.body.code).toBe('forbidden');
  });

  it("ends a disabled user's sessions, stops their keys (401 session_revoked) and logins (403) until enabled again", async () => {
    const user = await signUp(instances[0].url, 'disabled');
    const key = (
      await api(instances[0]).post('/v1/api-keys').set(bearer(user)).send({ name: 'k' }).expect(201)
    ).body.key as string;
    const withToken = () => api(instances[1]).get('/v1/me').set(bearer(user));
    await withToken().expect(200);

    await changeAccess(user, { disabled: true }).expect(200);
    expect(await msUntil(401, withToken)).toBeLessThan(1_000);
    expect((await withToken()).body.code).toBe('session_revoked');
    await api(instances[1]).get('/v1/me').set('X-API-Key', key).expect(401);
    const login = await api(instances[1])
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(403);
    expect(login.body.code).toBe('account_disabled');

    await changeAccess(user, { disabled: false }).expect(200);
    const withKey = () => api(instances[1]).get('/v1/me').set('X-API-Key', key);
    expect(await msUntil(200, withKey)).toBeLessThan(1_000);
    // Sessions ended with the disabling: whoever held them signs in again.
    expect((await withToken()).body.code).toBe('session_revoked');
    await api(instances[1])
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
  });

  it('refuses a token signed for a user that does not exist, whatever role it claims', async () => {
    const forged = jwt.sign(
      { sub: randomUUID(), sid: randomUUID(), email: 'ghost@example.com', role: 'admin' },
      TEST_JWT_SECRET,
      {
        issuer: 'tollgate',
        expiresIn: 60,
      },
    );
    const response = await api(instances[0]).get('/v1/admin/users').set('authorization', `Bearer ${forged}`);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('session_revoked');
  });

  it('never leaves the service without an active admin: 409 last_admin', async () => {
    const me = (await api(instances[0]).get('/v1/auth/session').set(asAdmin).expect(200)).body as {
      userId: string;
    };
    const self = { id: me.userId } as TestAccount;
    expect((await changeAccess(self, { role: 'user' }).expect(409)).body.code).toBe('last_admin');
    expect((await changeAccess(self, { disabled: true }).expect(409)).body.code).toBe('last_admin');
    await changeAccess(self, {}).expect(400);
    await changeAccess(self, { role: 'root' }).expect(400);
    await api(instances[0])
      .patch(`/v1/admin/users/${randomUUID()}`)
      .set(asAdmin)
      .send({ role: 'user' })
      .expect(404);
  });
});
