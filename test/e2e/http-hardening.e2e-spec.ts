import { bearer, uniqueEmail } from '../support/accounts';
import { adminEnvironment, adminHeaders } from '../support/admin';
import { api, startTestServer, TestServer } from '../support/test-app';

const API_CSP = "default-src 'none';frame-ancestors 'none'";

function expectApiSecurityHeaders(headers: Record<string, string>): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['content-security-policy']).toBe(API_CSP);
}

/** The CSP's directives by name, e.g. `{ 'script-src': ["'self'"] }`. */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(';').map((directive) => {
      const [name = '', ...values] = directive.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('hardened HTTP: security headers and no-store', () => {
  const admin = adminEnvironment();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...admin });
  });
  afterAll(() => server.stop());

  it('sends the API security headers on answers and on errors, and no HSTS over http', async () => {
    const ok = await api(server).get('/health').expect(200);
    const unknownRoute = await api(server).get('/v1/nope').expect(404);
    const unauthenticated = await api(server).get('/v1/me').expect(401);
    expect(unauthenticated.headers['content-type']).toMatch(/application\/problem\+json/);
    for (const response of [ok, unknownRoute, unauthenticated]) {
      expectApiSecurityHeaders(response.headers);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
    expectApiSecurityHeaders((await api(server).get('/docs-json').expect(200)).headers);
  });

  it('serves /docs with a restrictive CSP that still lets Swagger UI load from this origin', async () => {
    const page = await api(server).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = directives(page.headers['content-security-policy'] ?? '');
    expect(csp).toMatchObject({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-eval|\*|https:/);

    // 'self' scripts only: every script the page runs is a file of this origin, and each of them loads.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    const assets = [...page.text.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map(
      (match) => new URL(match[1] ?? '', `${server.url}/docs`).pathname,
    );
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="/);
      expect(body?.trim()).toBe('');
    }
    expect(assets).toEqual(
      expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js']),
    );
    for (const asset of assets) {
      const response = await api(server).get(asset);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
    }
  });

  it('sends Cache-Control: no-store on answers that carry a token, a key or personal data', async () => {
    const email = uniqueEmail('no-store');
    const password = 'correct horse battery staple';
    const signup = await api(server).post('/v1/auth/signup').send({ email, password }).expect(201);
    const login = await api(server).post('/v1/auth/login').send({ email, password }).expect(200);
    const asUser = bearer(login.body);
    const asAdmin = await adminHeaders(server.url, admin);
    const userId = signup.body.user.id as string;

    const answers = {
      signup,
      login,
      session: await api(server).get('/v1/auth/session').set(asUser).expect(200),
      me: await api(server).get('/v1/me').set(asUser).expect(200),
      createKey: await api(server).post('/v1/api-keys').set(asUser).send({ name: 'ci' }).expect(201),
      listKeys: await api(server).get('/v1/api-keys').set(asUser).expect(200),
      adminUsers: await api(server).get('/v1/admin/users').set(asAdmin).expect(200),
      adminUser: await api(server).get(`/v1/admin/users/${userId}`).set(asAdmin).expect(200),
      adminGrant: await api(server)
        .post(`/v1/admin/users/${userId}/grants`)
        .set(asAdmin)
        .send({ feature: 'reports' })
        .expect(201),
    };
    const cacheControl = Object.fromEntries(
      Object.entries(answers).map(([name, response]) => [name, response.headers['cache-control']]),
    );
    expect(cacheControl).toEqual(Object.fromEntries(Object.keys(answers).map((name) => [name, 'no-store'])));

    // Public, shared data is left to the client's cache.
    const plans = await api(server).get('/v1/plans').expect(200);
    expect(plans.headers['cache-control']).toBeUndefined();
  });
});

describe('hardened HTTP: served over https', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ APP_URL: 'https://tollgate.example' });
  });
  afterAll(() => server.stop());

  it('sends Strict-Transport-Security when APP_URL is https, on errors too', async () => {
    for (const response of [await api(server).get('/health'), await api(server).get('/v1/me')]) {
      expect(response.headers['strict-transport-security']).toMatch(/^max-age=31536000\b/);
      expectApiSecurityHeaders(response.headers);
    }
  });
});
