import { bearer, signUp, uniqueEmail } from '../support/accounts';
import { api, startTestServer, TestServer } from '../support/test-app';

describe('a burst of signups', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Fresh, so that the pool has no spare connections: requests during the burst open new ones.
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('leaves concurrent requests their database connections (no 503)', async () => {
    const existing = await signUp(server.url);
    const signups = Array.from({ length: 20 }, () =>
      api(server)
        .post('/v1/auth/signup')
        .send({ email: uniqueEmail('burst'), password: 'correct horse battery staple' }),
    );
    const reads = Array.from({ length: 10 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, 20 * i));
      return api(server).get('/v1/me').set(bearer(existing));
    });

    const responses = await Promise.all([...signups, ...reads]);
    expect(responses.map((response) => response.status)).toEqual([
      ...Array(20).fill(201),
      ...Array(10).fill(200),
    ]);
  });
});
