import { bearer, signUp, TestAccount, uniqueEmail } from '../support/accounts';
import { msUntil } from '../support/eventually';
import { MailServer, ReceivedMail } from '../support/mail-server';
import { isolatedDatabase } from '../support/billing';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

const APP_URL = 'https://app.tollgate.test';
const PROBLEM = /^application\/problem\+json/;

/** The token of the mail's link to `path` (…/verify-email?token=…). */
function tokenIn(mail: ReceivedMail, path: string): string {
  const link = mail.links.find((candidate) => new URL(candidate).pathname === path);
  if (!link) throw new Error(`no ${path} link in "${mail.subject}": ${mail.links.join(', ')}`);
  expect(link.startsWith(`${APP_URL}${path}?token=`)).toBe(true);
  return new URL(link).searchParams.get('token') ?? '';
}

describe('the account lifecycle by mail: verification, password reset and change, email change', () => {
  let database: TestDatabaseServer;
  let mail: MailServer;
  let server: TestServer;

  beforeAll(async () => {
    [database, mail] = await Promise.all([isolatedDatabase(), MailServer.start()]);
    server = await startTestServer({
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      APP_URL,
      MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([mail?.stop(), database?.release()]);
  });

  async function signUpAndReadMail(
    label: string,
  ): Promise<{ account: TestAccount; verification: ReceivedMail }> {
    const account = await signUp(server.url, label);
    const verification = await mail.waitForMail({ to: account.email, subject: /confirm/i });
    return { account, verification };
  }

  const login = (email: string, password: string) =>
    api(server).post('/v1/auth/login').send({ email, password });

  it('mails a verification link at signup; the link confirms the address once', async () => {
    const { account, verification } = await signUpAndReadMail('verify');
    expect((await api(server).get('/v1/me').set(bearer(account))).body.emailVerified).toBe(false);
    const token = tokenIn(verification, '/verify-email');

    const verified = await api(server).post('/v1/auth/verify-email').send({ token }).expect(200);
    expect(verified.body).toMatchObject({ id: account.id, email: account.email, emailVerified: true });
    expect((await api(server).get('/v1/me').set(bearer(account))).body.emailVerified).toBe(true);

    for (const used of [token, 'not-a-token', 'A'.repeat(43)]) {
      const refused = await api(server).post('/v1/auth/verify-email').send({ token: used }).expect(400);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body.code).toBe('invalid_token');
    }
    await api(server).post('/v1/auth/verify-email').send({}).expect(400);
    const again = await api(server).post('/v1/auth/verify-email/resend').set(bearer(account)).expect(409);
    expect(again.body.code).toBe('email_already_verified');
    expect(mail.mailsTo(account.email)).toHaveLength(1);
  });

  it('resends the link on request (the earlier one stops working), a few times an hour per address', async () => {
    const { account, verification } = await signUpAndReadMail('resend');
    await api(server).post('/v1/auth/verify-email/resend').expect(401);
    await api(server).post('/v1/auth/verify-email/resend').set(bearer(account)).expect(202);
    await mail.waitUntil(() => mail.mailsTo(account.email).length === 2, 15_000, 'the second link');
    const second = mail.mailsTo(account.email)[1]!;
    const oldToken = tokenIn(verification, '/verify-email');
    await api(server).post('/v1/auth/verify-email').send({ token: oldToken }).expect(400);

    await api(server).post('/v1/auth/verify-email/resend').set(bearer(account)).expect(202);
    await api(server).post('/v1/auth/verify-email/resend').set(bearer(account)).expect(202);
    const limited = await api(server).post('/v1/auth/verify-email/resend').set(bearer(account)).expect(429);
    expect(limited.body.code).toBe('too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await mail.waitUntil(() => mail.mailsTo(account.email).length === 4, 15_000, 'four links');
    const newest = mail.mailsTo(account.email)[3]!;
    await api(server)
      .post('/v1/auth/verify-email')
      .send({ token: tokenIn(second, '/verify-email') })
      .expect(400);
    await api(server)
      .post('/v1/auth/verify-email')
      .send({ token: tokenIn(newest, '/verify-email') })
      .expect(200);
  });

  it('answers forgot-password alike for known and unknown emails, and resets with the mailed link', async () => {
    const { account } = await signUpAndReadMail('forgot');
    const other = await login(account.email, account.password).expect(200);
    const known = await api(server)
      .post('/v1/auth/password/forgot')
      .send({ email: account.email })
      .expect(202);
    const unknown = await api(server)
      .post('/v1/auth/password/forgot')
      .send({ email: uniqueEmail('nobody') })
      .expect(202);
    expect(unknown.body).toEqual(known.body);
    const resetMail = await mail.waitForMail({ to: account.email, subject: /reset/i });
    const token = tokenIn(resetMail, '/reset-password');

    const weak = await api(server).post('/v1/auth/password/reset').send({ token, password: 'password1234' });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('weak_password');

    const newPassword = 'a brand new passphrase 42';
    await api(server).post('/v1/auth/password/reset').send({ token, password: newPassword }).expect(204);
    for (const session of [account, other.body as TestAccount]) {
      const ended = await api(server).get('/v1/me').set(bearer(session)).expect(401);
      expect(ended.body.code).toBe('session_revoked');
    }
    expect(
      (await api(server).post('/v1/auth/refresh').send({ refreshToken: account.refreshToken })).body.code,
    ).toBe('session_revoked');
    await login(account.email, account.password).expect(401);
    const signedIn = await login(account.email, newPassword).expect(200);
    // Following the link proved the mailbox is theirs.
    expect(signedIn.body.user.emailVerified).toBe(true);
    await mail.waitForMail({ to: account.email, subject: /password was changed/i });

    const reused = await api(server)
      .post('/v1/auth/password/reset')
      .send({ token, password: 'yet another passphrase 7' });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('invalid_token');
  });

  it('changes the password with the current one: this session stays, the others end, a notice is mailed', async () => {
    const { account } = await signUpAndReadMail('change-password');
    const other = (await login(account.email, account.password).expect(200)).body as TestAccount;
    const change = (body: object) => api(server).post('/v1/me/password').set(bearer(account)).send(body);

    expect((await change({ currentPassword: 'wrong', newPassword: 'a good new passphrase' })).body.code).toBe(
      'wrong_password',
    );
    expect((await change({ currentPassword: account.password, newPassword: 'short' })).body.code).toBe(
      'weak_password',
    );
    await change({ currentPassword: account.password }).expect(400);

    const newPassword = 'a good new passphrase';
    await change({ currentPassword: account.password, newPassword }).expect(204);
    await api(server).get('/v1/me').set(bearer(account)).expect(200);
    expect((await api(server).get('/v1/me').set(bearer(other))).body.code).toBe('session_revoked');
    await login(account.email, account.password).expect(401);
    await login(account.email, newPassword).expect(200);
    const notice = await mail.waitForMail({ to: account.email, subject: /password was changed/i });
    expect(notice.text).not.toContain(newPassword);
  });

  it('changes the email after the new address confirms it; the old address is told', async () => {
    const { account } = await signUpAndReadMail('old-address');
    const stranger = await signUp(server.url, 'stranger');
    const newEmail = uniqueEmail('new-address');
    const ask = (body: object, who: TestAccount = account) =>
      api(server).post('/v1/me/email').set(bearer(who)).send(body);

    expect((await ask({ email: newEmail, password: 'wrong' })).body.code).toBe('wrong_password');
    expect((await ask({ email: stranger.email, password: account.password })).body.code).toBe('email_taken');
    await ask({ email: 'not-an-email', password: account.password }).expect(400);
    await ask({ email: newEmail, password: account.password }).expect(202);

    const confirmation = await mail.waitForMail({ to: newEmail });
    const token = tokenIn(confirmation, '/confirm-email');
    // Nothing changed yet, and the token is only good for the account that asked.
    await login(account.email, account.password).expect(200);
    const foreign = await api(server).post('/v1/me/email/confirm').set(bearer(stranger)).send({ token });
    expect(foreign.body.code).toBe('invalid_token');

    const confirmed = await api(server)
      .post('/v1/me/email/confirm')
      .set(bearer(account))
      .send({ token })
      .expect(200);
    expect(confirmed.body).toMatchObject({ id: account.id, email: newEmail, emailVerified: true });
    const session = () => api(server).get('/v1/auth/session').set(bearer(account));
    expect(await msUntil(200, session)).toBeLessThan(1_000);
    expect((await session()).body.email).toBe(newEmail);
    await login(account.email, account.password).expect(401);
    await login(newEmail, account.password).expect(200);
    const told = await mail.waitForMail({ to: account.email, subject: /address of your .* was changed/i });
    expect(told.text).toContain(newEmail);
    await api(server).post('/v1/me/email/confirm').set(bearer(account)).send({ token }).expect(400);
  });

  it('lets nothing of a password or email change happen with an API key', async () => {
    const { account } = await signUpAndReadMail('keyed');
    const key = (await api(server).post('/v1/api-keys').set(bearer(account)).send({ name: 'k' }).expect(201))
      .body.key as string;
    const password = await api(server)
      .post('/v1/me/password')
      .set('x-api-key', key)
      .send({ currentPassword: account.password, newPassword: 'a good new passphrase' });
    expect(password.body.code).toBe('forbidden_for_api_key');
    const email = await api(server)
      .post('/v1/me/email')
      .set('x-api-key', key)
      .send({ email: uniqueEmail('x'), password: account.password });
    expect(email.body.code).toBe('forbidden_for_api_key');
  });
});

describe('throttles and REQUIRE_VERIFIED_EMAIL', () => {
  let database: TestDatabaseServer;
  let mail: MailServer;
  let server: TestServer;

  beforeAll(async () => {
    [database, mail] = await Promise.all([isolatedDatabase(), MailServer.start()]);
    server = await startTestServer({
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      APP_URL,
      REQUIRE_VERIFIED_EMAIL: 'true',
      MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '3',
      TRUST_PROXY: '1',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([mail?.stop(), database?.release()]);
  });

  it('limits password-forgot requests per client IP (429 with Retry-After)', async () => {
    // A client of its own: the counters are shared by every server on the suite's database.
    const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const forgot = (from = client) =>
      api(server)
        .post('/v1/auth/password/forgot')
        .set('x-forwarded-for', from)
        .send({ email: uniqueEmail('any') });
    for (let attempt = 0; attempt < 3; attempt++) await forgot().expect(202);
    const limited = await forgot().expect(429);
    expect(limited.body.code).toBe('too_many_requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await forgot('203.0.113.9').expect(202);
  });

  it('refuses checkout (403 email_not_verified) until the address is confirmed', async () => {
    const account = await signUp(server.url, 'unverified');
    const priceId = '00000000-0000-4000-8000-000000000000';
    const refused = await api(server)
      .post('/v1/billing/checkout')
      .set(bearer(account))
      .send({ priceId })
      .expect(403);
    expect(refused.body.code).toBe('email_not_verified');
    const verification = await mail.waitForMail({ to: account.email });
    await api(server)
      .post('/v1/auth/verify-email')
      .send({ token: tokenIn(verification, '/verify-email') })
      .expect(200);
    const after = await api(server).post('/v1/billing/checkout').set(bearer(account)).send({ priceId });
    expect(after.status).not.toBe(403);
  });
});
