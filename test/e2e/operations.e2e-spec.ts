import { connect } from 'node:net';

import { bearer, signUp, uniqueEmail } from '../support/accounts';
import { eventually } from '../support/billing';
import { api, startTestServer, TestServer } from '../support/test-app';

describe('operations: health, OpenAPI, metrics, errors', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('answers liveness and readiness', async () => {
    await api(server).get('/health').expect(200);
    // Its database ping gives up after 1.5 s, which a busy machine can exceed once: asked again, as probes are.
    const ready = await eventually(async () => {
      const response = await api(server).get('/health/ready');
      expect(response.status).toBe(200);
      return response;
    }, 10_000);
    expect(ready.body.details.database.status).toBe('up');
  });

  it('serves OpenAPI with every route and the problem codes', async () => {
    const spec = await api(server).get('/docs-json').expect(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/signup',
        '/v1/auth/login',
        '/v1/me',
        '/v1/api-keys',
        '/v1/api-keys/{id}',
      ]),
    );
    expect(spec.body.info.description).toContain('`email_taken`');
    expect(spec.body.components.schemas.Problem.properties.code.enum).toContain('database_unavailable');
    expect(spec.body.paths['/v1/auth/signup'].post.responses['409']).toBeDefined();
    for (const [path, method] of [
      ['/v1/reports/summary', 'get'],
      ['/v1/projects', 'post'],
      ['/v1/exports', 'post'],
    ] as const) {
      const payment = spec.body.paths[path][method].responses['402'];
      expect(payment.description).toMatch(/subscription_required|insufficient_credits/);
    }
    expect(spec.body.paths['/v1/exports'].post.responses['402'].description).toContain(
      'insufficient_credits',
    );
    expect(spec.body.paths['/v1/projects'].post.responses['402'].description).toContain('limit_reached');
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/v1/webhooks/stripe', '/v1/billing/checkout', '/v1/admin/plans', '/metrics']),
    );
    const ui = await api(server).get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('counts requests by route and status in /metrics', async () => {
    const account = await signUp(server.url);
    await api(server).get('/v1/me').set(bearer(account)).expect(200);
    await api(server).get('/v1/me').expect(401);
    const metrics = await api(server).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/http_requests_total\{method="GET",route="\/v1\/me",status="200"\} [1-9]/);
    expect(metrics.text).toMatch(/http_requests_total\{method="GET",route="\/v1\/me",status="401"\} [1-9]/);
    expect(metrics.text).toContain('http_request_duration_seconds_bucket');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const response = await api(server).get('/v1/nope').expect(404);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'not_found', status: 404, instance: '/v1/nope' });
    expect(JSON.stringify(response.body)).not.toMatch(/Cannot GET|stack/);
  });

  it('answers hostile input with a 4xx problem, never a 500', async () => {
    const account = await signUp(server.url);
    const expectProblem = (response: { status: number; headers: Record<string, string>; body: unknown }) => {
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      return response.body as { code: string; detail: string };
    };
    const signupWith = (raw: string) =>
      api(server).post('/v1/auth/signup').set('content-type', 'application/json').send(raw);

    const deepArrays = `{"email":"${uniqueEmail()}","password":"long-enough-password","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const deep = await signupWith(deepArrays).expect(400);
    expect(expectProblem(deep)).toMatchObject({
      code: 'malformed_json',
      detail: expect.stringMatching(/nested/),
    });

    const loneSurrogate = await signupWith(
      '{"email":"\\ud800@example.com","password":"long-enough-password"}',
    );
    expect(loneSurrogate.status).toBe(400);
    expect(expectProblem(loneSurrogate).code).toBe('malformed_json');
    const loginSurrogate = await api(server)
      .post('/v1/auth/login')
      .set('content-type', 'application/json')
      .send('{"email":"a@example.com","password":"\\udfff"}');
    expect(loginSurrogate.status).toBe(400);

    for (const notAnObject of ['null', '[]', '"text"', '42']) {
      const response = await signupWith(notAnObject).expect(400);
      expect(expectProblem(response).code).toBe('malformed_json');
    }

    const badUrl = await api(server).get('/v1/api-keys/%zz').set(bearer(account)).expect(400);
    expect(expectProblem(badUrl).code).toBe('malformed_request');
    const longParam = await api(server)
      .delete(`/v1/api-keys/${'a'.repeat(150)}`)
      .set(bearer(account))
      .expect(400);
    expect(expectProblem(longParam).code).toBe('malformed_request');

    // Below the router: a request line Node's HTTP parser refuses.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'malformed_request' });

    await api(server).get('/health').expect(200);
  });
});

describe('operations: who may read /metrics', () => {
  const METRICS_TOKEN = 'metrics-scraper-token-0123456789';
  let guarded: TestServer;
  let production: TestServer;

  beforeAll(async () => {
    [guarded, production] = await Promise.all([
      startTestServer({ NODE_ENV: 'production', METRICS_TOKEN }),
      startTestServer({ NODE_ENV: 'production' }),
    ]);
  });
  afterAll(() => Promise.all([guarded.stop(), production.stop()]));

  it('wants Authorization: Bearer <METRICS_TOKEN> when METRICS_TOKEN is set', async () => {
    const account = await signUp(guarded.url);
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${METRICS_TOKEN}x`,
      METRICS_TOKEN,
      `Bearer ${account.accessToken}`,
    ]) {
      const request = api(guarded).get('/metrics');
      const response = await (authorization ? request.set('authorization', authorization) : request);
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.code).toBe('unauthenticated');
    }
    const metrics = await api(guarded)
      .get('/metrics')
      .set('authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(200);
    expect(metrics.text).toContain('http_requests_total');
  });

  it('answers 404 in production without METRICS_TOKEN', async () => {
    const response = await api(production).get('/metrics').expect(404);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'not_found', instance: '/metrics' });
  });
});
