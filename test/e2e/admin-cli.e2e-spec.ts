import { spawn } from 'node:child_process';
import { Client } from 'pg';

import { bearer, signUp, uniqueEmail } from '../support/accounts';
import { cleanEnvironment, PROJECT_DIR } from '../support/server-process';
import { api, startTestServer, TestServer } from '../support/test-app';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- <args>` against the suite's database, as an operator runs it. */
function runAdminCli(...args: string[]): Promise<CliRun> {
  const child = spawn('npm', ['run', '--silent', 'admin', '--', ...args], {
    cwd: PROJECT_DIR,
    env: cleanEnvironment({ DATABASE_URL: process.env.TEST_DATABASE_URL }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe('npm run admin -- promote <email>', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('makes the account an admin, ending the sessions and revoking the API keys it had', async () => {
    const account = await signUp(server.url, 'promoted');
    const key = await api(server)
      .post('/v1/api-keys')
      .set(bearer(account))
      .send({ name: 'made as a user' })
      .expect(201);
    await api(server).get('/v1/admin/users').set('X-API-Key', key.body.key).expect(403);
    await api(server).get('/v1/me').set(bearer(account)).expect(200);

    const promoted = await runAdminCli('promote', account.email.toUpperCase());
    expect(promoted).toMatchObject({ code: 0, stderr: '' });
    expect(lines(promoted.stdout)).toEqual([
      expect.stringContaining(
        `${account.email} is now an admin; 1 session(s) ended and 1 API key(s) revoked`,
      ),
    ]);

    await api(server).get('/v1/me').set('X-API-Key', key.body.key).expect(401);
    const oldSession = await api(server).get('/v1/admin/users').set(bearer(account)).expect(401);
    expect(oldSession.body.code).toBe('session_revoked');
    expect(
      (await api(server).post('/v1/auth/refresh').send({ refreshToken: account.refreshToken })).body.code,
    ).toBe('session_revoked');
    const login = await api(server)
      .post('/v1/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    expect(login.body.user.role).toBe('admin');
    await api(server).get('/v1/admin/users').set(bearer(login.body)).expect(200);

    const again = await runAdminCli('promote', account.email);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already an admin');
  }, 60_000);

  it('answers an unknown email or bad usage with exit code 1 and one line', async () => {
    const unknown = uniqueEmail('nobody');
    const missing = await runAdminCli('promote', unknown);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([`No account has the email ${unknown}.`]);
    expect(missing.stdout).toBe('');

    const usage = await runAdminCli('elevate', unknown);
    expect(usage.code).toBe(1);
    expect(lines(usage.stderr)).toEqual([expect.stringMatching(/^usage: npm run admin -- promote <email>/)]);
  }, 60_000);

  it('demotes an admin back to a user', async () => {
    const account = await signUp(server.url, 'demoted');
    expect((await runAdminCli('promote', account.email)).code).toBe(0);
    const demoted = await runAdminCli('demote', account.email);
    expect(demoted.code).toBe(0);
    expect(demoted.stdout).toContain(`${account.email} is no longer an admin`);
    const login = await api(server)
      .post('/v1/auth/login')
      .send({ email: account.email, password: account.password })
      .expect(200);
    expect(login.body.user.role).toBe('user');
  }, 60_000);

  it("audits both changes as the operator's, with no actor and no request", async () => {
    const account = await signUp(server.url, 'audited-by-cli');
    expect((await runAdminCli('promote', account.email)).code).toBe(0);
    expect((await runAdminCli('demote', account.email)).code).toBe(0);
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT action, actor_id, ip, user_agent, request_id, details FROM audit_events
          WHERE subject_id = $1 AND action = 'user.role_changed' ORDER BY at, details->>'role'`,
        [account.id],
      );
      const fromCli = {
        action: 'user.role_changed',
        actor_id: null,
        ip: null,
        user_agent: null,
        request_id: null,
      };
      expect(rows).toEqual([
        {
          ...fromCli,
          details: { role: 'admin', previousRole: 'user', via: 'cli', apiKeysRevoked: 0, sessionsEnded: 1 },
        },
        { ...fromCli, details: { role: 'user', previousRole: 'admin', via: 'cli' } },
      ]);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('keeps a promoted admin as it is when it is also ADMIN_EMAIL: no error, ADMIN_PASSWORD resets nothing', async () => {
    const account = await signUp(server.url, 'admin-to-be');
    expect((await runAdminCli('promote', account.email)).code).toBe(0);
    const booted = await startTestServer({
      ADMIN_EMAIL: account.email,
      ADMIN_PASSWORD: 'another-admin-password',
    });
    try {
      expect(booted.output()).not.toContain('ADMIN_EMAIL');
      await api(booted)
        .post('/v1/auth/login')
        .send({ email: account.email, password: 'another-admin-password' })
        .expect(401);
      const login = await api(booted)
        .post('/v1/auth/login')
        .send({ email: account.email, password: account.password })
        .expect(200);
      expect(login.body.user.role).toBe('admin');
    } finally {
      await booted.stop();
    }
  }, 60_000);
});
