import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

import { bearer, signUp, TestAccount, uniqueEmail } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import { isolatedDatabase } from '../support/billing';
import { must } from '../support/must';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actorId: string | null;
  subjectId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

interface AuditPage {
  data: AuditEntry[];
  nextCursor: string | null;
}

/** Where a request comes from: a client address (the server trusts one proxy hop), an agent, an id. */
function origin(client: number) {
  return {
    'x-forwarded-for': `203.0.113.${client}`,
    'user-agent': `audit-test-agent/${client}`,
    'x-request-id': `audit-test-${randomUUID()}`,
  };
}

describe('the security audit log: GET /v1/admin/audit', () => {
  let database: TestDatabaseServer;
  let server: TestServer;
  let admin: AdminCredentials;
  let adminId: string;
  let asAdmin: Record<string, string>;
  /** Every password a request in this file sent, right or wrong. */
  const passwordsSent: string[] = [];

  beforeAll(async () => {
    database = await isolatedDatabase();
    admin = adminEnvironment();
    passwordsSent.push(admin.ADMIN_PASSWORD);
    server = await startTestServer({ ...admin, DATABASE_URL: database.url, TRUST_PROXY: '1' });
    asAdmin = await adminHeaders(server.url, admin);
    adminId = (await api(server).get('/v1/auth/session').set(asAdmin).expect(200)).body.userId;
  });
  afterAll(async () => {
    await server?.stop();
    await database?.release();
  });

  async function user(label: string): Promise<TestAccount> {
    const account = await signUp(server.url, label);
    passwordsSent.push(account.password);
    return account;
  }

  async function auditPage(query: Record<string, string | number> = {}): Promise<AuditPage> {
    const response = await api(server).get('/v1/admin/audit').query(query).set(asAdmin).expect(200);
    return response.body as AuditPage;
  }

  /** The entries the request with this id caused. */
  async function entriesOf(requestId: string, query: Record<string, string> = {}): Promise<AuditEntry[]> {
    const { data } = await auditPage({ ...query, limit: 200 });
    return data.filter((entry) => entry.requestId === requestId);
  }

  async function entryOf(requestId: string, action: string): Promise<AuditEntry> {
    const entries = await entriesOf(requestId, { action });
    expect(entries).toHaveLength(1);
    return must(entries[0], `a ${action} entry of request ${requestId}`);
  }

  async function rawRows(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  it('is for admins only: 403 for a user, 401 without credentials', async () => {
    const someone = await user('not-admin');
    const refused = await api(server).get('/v1/admin/audit').set(bearer(someone)).expect(403);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('forbidden');
    await api(server).get('/v1/admin/audit').expect(401);
  });

  it('answers newest first, no-store, with exactly the documented fields', async () => {
    const response = await api(server).get('/v1/admin/audit').set(asAdmin).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { data } = response.body as AuditPage;
    expect(data.length).toBeGreaterThan(0);
    for (const entry of data) {
      expect(Object.keys(entry).sort()).toEqual(
        ['action', 'actorId', 'at', 'id', 'ip', 'requestId', 'subjectId', 'userAgent'].sort(),
      );
    }
    const times = data.map((entry) => entry.at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('records a signup, failed logins and a successful one: who, whom, from where, which request', async () => {
    const signupOrigin = origin(1);
    const email = uniqueEmail('audited');
    const password = `audited-${randomUUID()}`;
    passwordsSent.push(password);
    const signup = await api(server)
      .post('/v1/auth/signup')
      .set(signupOrigin)
      .send({ email, password })
      .expect(201);
    const userId = signup.body.user.id as string;
    expect(signup.headers['x-request-id']).toBe(signupOrigin['x-request-id']);
    expect(await entryOf(signupOrigin['x-request-id'], 'signup')).toMatchObject({
      actorId: userId,
      subjectId: userId,
      ip: '203.0.113.1',
      userAgent: 'audit-test-agent/1',
    });

    const wrongOrigin = origin(2);
    const wrongPassword = `wrong-${randomUUID()}`;
    passwordsSent.push(wrongPassword);
    const wrong = await api(server)
      .post('/v1/auth/login')
      .set(wrongOrigin)
      .send({ email, password: wrongPassword })
      .expect(401);
    const failed = await entryOf(must(wrong.headers['x-request-id'], 'x-request-id'), 'login.failed');
    expect(failed).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      action: 'login.failed',
      actorId: null,
      subjectId: userId,
      ip: '203.0.113.2',
      userAgent: 'audit-test-agent/2',
      requestId: wrongOrigin['x-request-id'],
    });

    const strangerOrigin = origin(3);
    await api(server)
      .post('/v1/auth/login')
      .set(strangerOrigin)
      .send({ email: uniqueEmail('nobody'), password: wrongPassword })
      .expect(401);
    expect(await entryOf(strangerOrigin['x-request-id'], 'login.failed')).toMatchObject({
      actorId: null,
      subjectId: null,
      ip: '203.0.113.3',
    });

    const rightOrigin = origin(4);
    await api(server).post('/v1/auth/login').set(rightOrigin).send({ email, password }).expect(200);
    expect(await entryOf(rightOrigin['x-request-id'], 'login.succeeded')).toMatchObject({
      actorId: userId,
      subjectId: userId,
      ip: '203.0.113.4',
      userAgent: 'audit-test-agent/4',
    });

    const [row] = await rawRows(`SELECT details FROM audit_events WHERE request_id = $1`, [
      wrongOrigin['x-request-id'],
    ]);
    expect(row?.details).toEqual({ email, reason: 'invalid_credentials' });
  });

  it('takes the request id the server made when the client sent none', async () => {
    const account = await user('server-made-id');
    const wrong = await api(server)
      .post('/v1/auth/login')
      .send({ email: account.email, password: 'not the password at all' })
      .expect(401);
    passwordsSent.push('not the password at all');
    const requestId = must(wrong.headers['x-request-id'], 'x-request-id');
    expect(await entryOf(requestId, 'login.failed')).toMatchObject({
      ip: '127.0.0.1',
      subjectId: account.id,
    });
  });

  it('records a throttled login', async () => {
    const account = await user('throttled');
    const from = { 'x-forwarded-for': '203.0.113.50' };
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await api(server)
        .post('/v1/auth/login')
        .set(from)
        .send({ email: account.email, password: `guess-${attempt}` })
        .expect(401);
    }
    const throttledOrigin = { ...origin(50), ...from };
    await api(server)
      .post('/v1/auth/login')
      .set(throttledOrigin)
      .send({ email: account.email, password: 'guess-10' })
      .expect(429);
    expect(await entryOf(throttledOrigin['x-request-id'], 'login.throttled')).toMatchObject({
      actorId: null,
      subjectId: account.id,
      ip: '203.0.113.50',
    });
    const failures = await auditPage({ action: 'login.failed', limit: 200 });
    expect(failures.data.filter((entry) => entry.subjectId === account.id)).toHaveLength(10);
  });

  it('records an API key created and revoked, by and for its owner', async () => {
    const owner = await user('key-owner');
    const createOrigin = origin(5);
    const created = await api(server)
      .post('/v1/api-keys')
      .set(bearer(owner))
      .set(createOrigin)
      .send({ name: 'audited key' })
      .expect(201);
    expect(await entryOf(createOrigin['x-request-id'], 'api_key.created')).toMatchObject({
      actorId: owner.id,
      subjectId: owner.id,
      ip: '203.0.113.5',
    });

    const revokeOrigin = origin(6);
    await api(server)
      .delete(`/v1/api-keys/${created.body.id}`)
      .set(bearer(owner))
      .set(revokeOrigin)
      .expect(204);
    expect(await entryOf(revokeOrigin['x-request-id'], 'api_key.revoked')).toMatchObject({
      actorId: owner.id,
      subjectId: owner.id,
      ip: '203.0.113.6',
    });

    const revokedAgain = origin(7);
    await api(server)
      .delete(`/v1/api-keys/${created.body.id}`)
      .set(bearer(owner))
      .set(revokedAgain)
      .expect(404);
    expect(await entriesOf(revokedAgain['x-request-id'])).toEqual([]);

    const rows = await rawRows(`SELECT details FROM audit_events WHERE request_id = ANY($1)`, [
      [createOrigin['x-request-id'], revokeOrigin['x-request-id']],
    ]);
    const key = created.body.key as string;
    for (const row of rows) {
      expect(row.details).toMatchObject({ apiKeyId: created.body.id });
      expect(JSON.stringify(row.details)).not.toContain(key);
      expect(JSON.stringify(row.details)).not.toContain(created.body.prefix);
    }
  });

  it("records an admin's role and status changes with the admin as actor, and the admin write itself", async () => {
    const target = await user('role-changed');
    const promoteOrigin = origin(8);
    await api(server)
      .patch(`/v1/admin/users/${target.id}`)
      .set(asAdmin)
      .set(promoteOrigin)
      .send({ role: 'admin' })
      .expect(200);
    const requestId = promoteOrigin['x-request-id'];
    expect(await entryOf(requestId, 'user.role_changed')).toMatchObject({
      actorId: adminId,
      subjectId: target.id,
      ip: '203.0.113.8',
      userAgent: 'audit-test-agent/8',
    });
    expect(await entryOf(requestId, 'admin.write')).toMatchObject({ actorId: adminId, subjectId: target.id });
    const details = await rawRows(
      `SELECT action, details FROM audit_events WHERE request_id = $1 ORDER BY action`,
      [requestId],
    );
    expect(details).toEqual([
      { action: 'admin.write', details: { method: 'PATCH', route: '/v1/admin/users/:id' } },
      { action: 'user.role_changed', details: { role: 'admin', previousRole: 'user' } },
    ]);

    const disableOrigin = origin(9);
    await api(server)
      .patch(`/v1/admin/users/${target.id}`)
      .set(asAdmin)
      .set(disableOrigin)
      .send({ disabled: true, role: 'admin' })
      .expect(200);
    expect((await entriesOf(disableOrigin['x-request-id'])).map((entry) => entry.action).sort()).toEqual([
      'admin.write',
      'user.disabled',
    ]);
    const enableOrigin = origin(10);
    await api(server)
      .patch(`/v1/admin/users/${target.id}`)
      .set(asAdmin)
      .set(enableOrigin)
      .send({ disabled: false })
      .expect(200);
    expect(await entryOf(enableOrigin['x-request-id'], 'user.enabled')).toMatchObject({
      actorId: adminId,
      subjectId: target.id,
    });
  });

  it('records no admin write that failed, and none for admin reads', async () => {
    const missingOrigin = origin(11);
    await api(server)
      .patch(`/v1/admin/users/${randomUUID()}`)
      .set(asAdmin)
      .set(missingOrigin)
      .send({ role: 'admin' })
      .expect(404);
    expect(await entriesOf(missingOrigin['x-request-id'])).toEqual([]);

    const invalidOrigin = origin(12);
    await api(server)
      .patch(`/v1/admin/users/${adminId}`)
      .set(asAdmin)
      .set(invalidOrigin)
      .send({})
      .expect(400);
    expect(await entriesOf(invalidOrigin['x-request-id'])).toEqual([]);

    const readOrigin = origin(13);
    await api(server).get('/v1/admin/users').set(asAdmin).set(readOrigin).expect(200);
    expect(await entriesOf(readOrigin['x-request-id'])).toEqual([]);
  });

  it('records every other admin write too, with the user it concerns', async () => {
    const target = await user('granted');
    const grantOrigin = origin(14);
    const grant = await api(server)
      .post(`/v1/admin/users/${target.id}/grants`)
      .set(asAdmin)
      .set(grantOrigin)
      .send({ feature: 'reports' })
      .expect(201);
    expect(await entryOf(grantOrigin['x-request-id'], 'admin.write')).toMatchObject({
      actorId: adminId,
      subjectId: target.id,
    });
    const revokeOrigin = origin(15);
    await api(server)
      .delete(`/v1/admin/users/${target.id}/grants/${grant.body.id}`)
      .set(asAdmin)
      .set(revokeOrigin)
      .expect(204);
    expect(await entryOf(revokeOrigin['x-request-id'], 'admin.write')).toMatchObject({
      subjectId: target.id,
    });
    const [row] = await rawRows(`SELECT details FROM audit_events WHERE request_id = $1`, [
      revokeOrigin['x-request-id'],
    ]);
    expect(row?.details).toEqual({ method: 'DELETE', route: '/v1/admin/users/:id/grants/:grantId' });
  });

  it('filters by actor, by action, and by both', async () => {
    const actor = await user('filtered');
    for (let index = 0; index < 2; index += 1) {
      await api(server)
        .post('/v1/api-keys')
        .set(bearer(actor))
        .send({ name: `k${index}` })
        .expect(201);
    }
    const byActor = await auditPage({ actor: actor.id, limit: 200 });
    expect(byActor.data.map((entry) => entry.action).sort()).toEqual([
      'api_key.created',
      'api_key.created',
      'signup',
    ]);
    expect(byActor.data.every((entry) => entry.actorId === actor.id)).toBe(true);

    const byAction = await auditPage({ action: 'api_key.created', limit: 200 });
    expect(byAction.data.length).toBeGreaterThanOrEqual(3);
    expect(byAction.data.every((entry) => entry.action === 'api_key.created')).toBe(true);

    const byBoth = await auditPage({ actor: actor.id, action: 'signup' });
    expect(byBoth.data).toHaveLength(1);
    expect(byBoth.data[0]).toMatchObject({ actorId: actor.id, subjectId: actor.id, action: 'signup' });

    expect((await auditPage({ actor: randomUUID() })).data).toEqual([]);
  });

  it('pages newest first with no duplicates and no gaps', async () => {
    const actor = await user('paged');
    const keys = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        api(server)
          .post('/v1/api-keys')
          .set(bearer(actor))
          .send({ name: `paged ${index}` }),
      ),
    );
    for (const key of keys.slice(0, 4)) {
      await api(server).delete(`/v1/api-keys/${key.body.id}`).set(bearer(actor)).expect(204);
    }
    const whole = await auditPage({ actor: actor.id, limit: 200 });
    expect(whole.data).toHaveLength(11); // signup, 6 created, 4 revoked
    expect(whole.nextCursor).toBeNull();

    const paged: AuditEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: AuditPage = await auditPage({ actor: actor.id, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(3);
      paged.push(...page.data);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(paged.map((entry) => entry.id)).toEqual(whole.data.map((entry) => entry.id));
    expect(new Set(paged.map((entry) => entry.id)).size).toBe(11);

    const rows = await rawRows(`SELECT id FROM audit_events WHERE actor_id = $1 ORDER BY at DESC, id DESC`, [
      actor.id,
    ]);
    expect(rows.map((row) => row.id)).toEqual(whole.data.map((entry) => entry.id));
  });

  it('refuses a bad cursor, actor, action or limit with 400 problem+json', async () => {
    const cursor = must((await auditPage({ limit: 1 })).nextCursor, 'a next cursor');
    const bad: Record<string, string>[] = [
      { cursor: 'not-a-cursor' },
      { cursor: cursor.slice(0, -4) },
      { cursor: randomUUID() },
      { cursor: Buffer.from('yesterday|nobody').toString('base64url') },
      { actor: 'not-a-uuid' },
      { action: 'login.made_up' },
      { limit: '0' },
      { limit: '201' },
      { limit: 'many' },
      { surprise: 'x' },
    ];
    for (const query of bad) {
      const response = await api(server).get('/v1/admin/audit').query(query).set(asAdmin);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('validation_failed');
    }
    await api(server).get('/v1/admin/audit').query({ cursor, limit: 200 }).set(asAdmin).expect(200);
  });

  it('keeps at most 512 characters of a user agent', async () => {
    const requestId = `audit-test-${randomUUID()}`;
    const account = await user('long-agent');
    await api(server)
      .post('/v1/auth/login')
      .set({ 'user-agent': 'A'.repeat(2_000), 'x-request-id': requestId })
      .send({ email: account.email, password: account.password })
      .expect(200);
    expect((await entryOf(requestId, 'login.succeeded')).userAgent).toBe('A'.repeat(512));
  });

  it('never holds a password, right or wrong, nor a token or key', async () => {
    const rows = await rawRows(`SELECT * FROM audit_events`);
    expect(rows.length).toBeGreaterThan(40);
    const everything = JSON.stringify(rows);
    for (const password of passwordsSent) expect(everything).not.toContain(password);
    expect(everything).not.toContain('guess-');
    expect(everything).not.toMatch(/tg_[A-Za-z0-9_-]{20,}/);
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
