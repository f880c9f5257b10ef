import { randomUUID } from 'node:crypto';

import { bearer, signUp } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import { api, startTestServer, TestServer } from '../support/test-app';

interface AdminUserEntry {
  id: string;
  email: string;
  name: string | null;
  role: 'user' | 'admin';
  disabled: boolean;
  emailVerified: boolean;
  createdAt: string;
}

interface UserPage {
  data: AdminUserEntry[];
  nextCursor: string | null;
}

describe('admin user search: GET /v1/admin/users?query=&cursor=&limit=', () => {
  let server: TestServer;
  let admin: AdminCredentials;
  let asAdmin: Record<string, string>;
  /** Unique to this run, so other tests' accounts never match. */
  const marker = `srch${randomUUID().slice(0, 8)}`;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    admin = adminEnvironment();
    server = await startTestServer({ ...admin });
    asAdmin = await adminHeaders(server.url, admin);
    const locals = ['-carol', '-alice', '-bob', '-dave', '-erin', '_under', '%percent', 'xunder', 'xpercent'];
    for (const local of locals) {
      await api(server)
        .post('/v1/auth/signup')
        .send({ email: `${marker}${local}@example.test`, password, name: `name ${local}` })
        .expect(201);
    }
  });
  afterAll(() => server?.stop());

  async function search(query: Record<string, string | number>): Promise<UserPage> {
    return (await api(server).get('/v1/admin/users').query(query).set(asAdmin).expect(200)).body as UserPage;
  }

  const emailsOf = (page: UserPage) => page.data.map((user) => user.email);

  it('is for admins only: 403 for a user', async () => {
    const someone = await signUp(server.url, 'searcher');
    const refused = await api(server).get('/v1/admin/users').query({ query: marker }).set(bearer(someone));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
  });

  it('finds users by email prefix, in email order, whatever the case of the query', async () => {
    const expected = ['alice', 'bob', 'carol', 'dave', 'erin'].map(
      (name) => `${marker}-${name}@example.test`,
    );
    expect(emailsOf(await search({ query: `${marker}-` }))).toEqual(expected);
    expect(emailsOf(await search({ query: `${marker}-`.toUpperCase() }))).toEqual(expected);
    expect(emailsOf(await search({ query: `${marker}-Al` }))).toEqual([`${marker}-alice@example.test`]);
    expect(emailsOf(await search({ query: `-alice` }))).toEqual([]);
  });

  it('takes % and _ in the query literally', async () => {
    expect(emailsOf(await search({ query: `${marker}_` }))).toEqual([`${marker}_under@example.test`]);
    expect(emailsOf(await search({ query: `${marker}%` }))).toEqual([`${marker}%percent@example.test`]);
    expect(emailsOf(await search({ query: `${marker}\\` }))).toEqual([]);
    expect(emailsOf(await search({ query: `${marker.slice(0, -1)}_` }))).toEqual([]);
  });

  it('describes each user with exactly the documented fields, no-store', async () => {
    const response = await api(server)
      .get('/v1/admin/users')
      .query({ query: `${marker}-alice` })
      .set(asAdmin)
      .expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      data: [
        {
          id: expect.any(String),
          email: `${marker}-alice@example.test`,
          name: 'name -alice',
          role: 'user',
          disabled: false,
          emailVerified: false,
          createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        },
      ],
      nextCursor: null,
    });
  });

  it('counts the ADMIN_EMAIL account the boot created as verified', async () => {
    const { data } = await search({ query: admin.ADMIN_EMAIL });
    expect(data).toEqual([
      expect.objectContaining({ email: admin.ADMIN_EMAIL, role: 'admin', emailVerified: true }),
    ]);
  });

  it('pages with no duplicates and no gaps', async () => {
    const whole = await search({ query: marker, limit: 200 });
    expect(whole.data).toHaveLength(9);
    expect(whole.nextCursor).toBeNull();

    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: UserPage = await search({ query: marker, limit: 2, ...(cursor ? { cursor } : {}) });
      paged.push(...emailsOf(page));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(5);
    expect(paged).toEqual(emailsOf(whole));
    expect(new Set(paged).size).toBe(9);
  });

  it('lists everyone without a query, 50 at most by default', async () => {
    const page = await search({});
    expect(page.data.length).toBeGreaterThanOrEqual(11);
    expect(page.data.length).toBeLessThanOrEqual(50);
  });

  it('refuses a bad cursor or limit with 400 problem+json', async () => {
    for (const query of [
      { cursor: 'not a cursor' },
      { cursor: Buffer.from('no-at-sign').toString('base64url') },
      { limit: '0' },
      { limit: '201' },
      { query: 'x'.repeat(321) },
    ]) {
      const response = await api(server).get('/v1/admin/users').query(query).set(asAdmin);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('validation_failed');
    }
  });
});
