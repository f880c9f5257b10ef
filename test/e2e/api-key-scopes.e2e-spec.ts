import { bearer, signUp, TestAccount } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import { sleep } from '../support/billing';
import { api, startTestServer, TestServer } from '../support/test-app';

describe('API keys: scopes, expiry, a cap, no keys from keys', () => {
  let server: TestServer;
  let admin: AdminCredentials;

  beforeAll(async () => {
    admin = adminEnvironment();
    server = await startTestServer({ ...admin });
  });
  afterAll(() => server?.stop());

  async function createKey(
    headers: Record<string, string>,
    body: Record<string, unknown> = {},
  ): Promise<{ id: string; key: string; scopes: string[] }> {
    const response = await api(server)
      .post('/v1/api-keys')
      .set(headers)
      .send({ name: 'key', ...body })
      .expect(201);
    return response.body as { id: string; key: string; scopes: string[] };
  }

  const withKey = (key: string) => ({ 'x-api-key': key });

  it('gives a key read, write and billing by default, never admin', async () => {
    const user = await signUp(server.url, 'default-scopes');
    const created = await createKey(bearer(user));
    expect(created.scopes).toEqual(['read', 'write', 'billing']);
    await api(server)
      .post('/v1/projects')
      .set(withKey(created.key))
      .send({ name: 'made by a key' })
      .expect(201);
  });

  it('keeps a read key to safe methods: 403 insufficient_scope on a write', async () => {
    const user = await signUp(server.url, 'read-only');
    const { key } = await createKey(bearer(user), { scopes: ['read'] });
    await api(server).get('/v1/projects').set(withKey(key)).expect(200);
    const refused = await api(server)
      .post('/v1/projects')
      .set(withKey(key))
      .send({ name: 'nope' })
      .expect(403);
    expect(refused.body).toMatchObject({ code: 'insufficient_scope', missingScopes: ['write'] });
    expect((await api(server).get('/v1/projects').set(bearer(user)).expect(200)).body.data).toEqual([]);
  });

  it('needs billing as well for billing writes', async () => {
    const user = await signUp(server.url, 'no-billing');
    const { key } = await createKey(bearer(user), { scopes: ['read', 'write'] });
    const refused = await api(server).post('/v1/billing/portal').set(withKey(key)).expect(403);
    expect(refused.body).toMatchObject({ code: 'insufficient_scope', missingScopes: ['billing'] });
  });

  it('lets no key create keys: 403 forbidden_for_api_key', async () => {
    const user = await signUp(server.url, 'minting');
    const { key } = await createKey(bearer(user));
    const refused = await api(server)
      .post('/v1/api-keys')
      .set(withKey(key))
      .send({ name: 'child' })
      .expect(403);
    expect(refused.body.code).toBe('forbidden_for_api_key');
  });

  it("gives an admin's key admin power only with the admin scope, which users cannot ask for", async () => {
    const asAdmin = await adminHeaders(server.url, admin);
    const plain = await createKey(asAdmin);
    const refused = await api(server).get('/v1/admin/users').set(withKey(plain.key)).expect(403);
    expect(refused.body).toMatchObject({ code: 'insufficient_scope', missingScopes: ['admin'] });
    const scoped = await createKey(asAdmin, { scopes: ['read', 'admin'] });
    await api(server).get('/v1/admin/users').set(withKey(scoped.key)).expect(200);

    const user = await signUp(server.url, 'wants-admin');
    const denied = await api(server)
      .post('/v1/api-keys')
      .set(bearer(user))
      .send({ name: 'k', scopes: ['admin'] })
      .expect(403);
    expect(denied.body.code).toBe('forbidden');
  });

  it('stops a key at its expiresAt (401), and refuses a past or malformed one (400)', async () => {
    const user = await signUp(server.url, 'expiring');
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const { key } = await createKey(bearer(user), { expiresAt });
    await api(server).get('/v1/projects').set(withKey(key)).expect(200);
    await sleep(1_700);
    await api(server).get('/v1/projects').set(withKey(key)).expect(401);
    const listed = await api(server).get('/v1/api-keys').set(bearer(user)).expect(200);
    expect(listed.body.data).toEqual([]);

    for (const body of [
      { name: 'past', expiresAt: '2020-01-01T00:00:00Z' },
      { name: 'bad', expiresAt: 'tomorrow' },
      { name: 'bad', scopes: ['root'] },
      { name: 'bad', scopes: [] },
    ]) {
      const response = await api(server).post('/v1/api-keys').set(bearer(user)).send(body).expect(400);
      expect(response.body.code).toBe('validation_failed');
    }
  });

  it('caps live keys at 25 per user, also when created at once: 409 too_many_keys', async () => {
    const user: TestAccount = await signUp(server.url, 'collector');
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        api(server)
          .post('/v1/api-keys')
          .set(bearer(user))
          .send({ name: `key-${index}` }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(25);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    expect(responses.find((response) => response.status === 409)!.body.code).toBe('too_many_keys');
    const [first] = (await api(server).get('/v1/api-keys').set(bearer(user)).expect(200)).body.data as {
      id: string;
    }[];
    await api(server).delete(`/v1/api-keys/${first!.id}`).set(bearer(user)).expect(204);
    await createKey(bearer(user));
  });
});
