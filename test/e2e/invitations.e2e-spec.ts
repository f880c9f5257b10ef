import { createHash } from 'node:crypto';
import { Client } from 'pg';

import { bearer, signUp, TestAccount, uniqueEmail } from '../support/accounts';
import { isolatedDatabase } from '../support/billing';
import { msUntil } from '../support/eventually';
import { MailServer, ReceivedMail } from '../support/mail-server';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

const APP_URL = 'https://app.tollgate.test';
const PROBLEM = /^application\/problem\+json/;
const DAY_MS = 24 * 3_600_000;

interface InvitationBody {
  id: string;
  email: string;
  role: string;
  expiresAt: string;
}

/** The token of the mail's /invitations/accept link. */
function invitationToken(mail: ReceivedMail): string {
  const link = mail.links.find((candidate) => new URL(candidate).pathname === '/invitations/accept');
  if (!link) throw new Error(`no invitation link in "${mail.subject}": ${mail.links.join(', ')}`);
  expect(link.startsWith(`${APP_URL}/invitations/accept?token=`)).toBe(true);
  return new URL(link).searchParams.get('token') ?? '';
}

describe('invitations: mailed, accepted by the invited address, revocable, expiring', () => {
  let database: TestDatabaseServer;
  let mail: MailServer;
  let instances: [TestServer, TestServer];

  beforeAll(async () => {
    [database, mail] = await Promise.all([isolatedDatabase(), MailServer.start()]);
    const env = {
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      APP_URL,
      MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000',
    };
    instances = await Promise.all([startTestServer(env), startTestServer(env)]);
  });
  afterAll(async () => {
    await Promise.all((instances ?? []).map((instance) => instance.stop()));
    await Promise.all([mail?.stop(), database?.release()]);
  });

  const first = () => api(instances[0]);
  const second = () => api(instances[1]);

  async function sql(text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async function team(owner: TestAccount, name = 'Analytical Engines'): Promise<string> {
    return (
      (await first().post('/v1/accounts').set(bearer(owner)).send({ name }).expect(201)).body as {
        id: string;
      }
    ).id;
  }

  const invite = (by: TestAccount, accountId: string, email: string, role = 'member') =>
    first().post(`/v1/accounts/${accountId}/invitations`).set(bearer(by)).send({ email, role });

  const accept = (user: TestAccount, token: string) =>
    first().post('/v1/invitations/accept').set(bearer(user)).send({ token });

  /** The `count`-th invitation mailed to `email` (its verification mail aside). */
  async function invitationMail(email: string, count = 1): Promise<ReceivedMail> {
    const invitations = () => mail.mailsTo(email).filter((sent) => /invited you/.test(sent.subject));
    await mail.waitUntil(() => invitations().length >= count, 15_000, `invitation ${count} to ${email}`);
    return invitations()[count - 1]!;
  }

  async function pendingOf(owner: TestAccount, accountId: string): Promise<InvitationBody[]> {
    const members = await first().get(`/v1/accounts/${accountId}/members`).set(bearer(owner)).expect(200);
    return (members.body as { invitations: InvitationBody[] }).invitations;
  }

  /** A user signed up with `email` (the invited address), past their verification mail. */
  async function signUpAs(email: string): Promise<TestAccount> {
    const password = 'correct horse battery staple';
    const body = (await first().post('/v1/auth/signup').send({ email, password }).expect(201)).body as {
      user: { id: string };
      accessToken: string;
      refreshToken: string;
    };
    await mail.waitForMail({ to: email, subject: /confirm/i });
    return {
      id: body.user.id,
      email,
      password,
      accessToken: body.accessToken,
      refreshToken: body.refreshToken,
    };
  }

  it('mails the link; the invitee signs up, accepts, and acts for the team on every instance within a second', async () => {
    const owner = await signUp(instances[0].url, 'owner');
    const accountId = await team(owner);
    const email = uniqueEmail('invitee');

    const created = await invite(owner, accountId, email.toUpperCase(), 'admin').expect(201);
    expect(created.headers['cache-control']).toContain('no-store');
    const invitation = created.body as InvitationBody;
    expect(invitation).toEqual({
      id: expect.any(String),
      email,
      role: 'admin',
      expiresAt: expect.any(String),
    });
    const ttl = Date.parse(invitation.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(7 * DAY_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * DAY_MS);
    expect(await pendingOf(owner, accountId)).toEqual([invitation]);

    const mailed = await invitationMail(email);
    expect(mailed.subject).toContain('Analytical Engines');
    expect(mailed.text).toContain(owner.email);
    expect(mailed.text).toContain('as an admin');
    const token = invitationToken(mailed);
    // Stored hashed: the token itself is nowhere in the row.
    const [stored] = await sql(`SELECT token_hash FROM invitations WHERE id = $1`, [invitation.id]);
    expect(stored!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));

    const invitee = await signUpAs(email);
    const headers = { ...bearer(invitee), 'x-account-id': accountId };
    await second().get('/v1/me').set(headers).expect(404); // not a member yet: warms the second cache

    const accepted = await accept(invitee, token).expect(200);
    const joinedAt = Date.now();
    expect(accepted.body).toEqual({ account: { id: accountId, name: 'Analytical Engines', role: 'admin' } });
    expect(await msUntil(200, () => second().get('/v1/me').set(headers))).toBeLessThan(1_000);
    expect(Date.now() - joinedAt).toBeLessThan(2_000);
    const me = await first().get('/v1/me').set(headers).expect(200);
    expect(me.body.account).toMatchObject({ id: accountId, role: 'admin', personal: false });

    const members = await first().get(`/v1/accounts/${accountId}/members`).set(bearer(owner)).expect(200);
    expect(members.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: invitee.id, email, role: 'admin' })]),
    );
    expect(members.body.invitations).toEqual([]);

    const reused = await accept(invitee, token).expect(400);
    expect(reused.headers['content-type']).toMatch(PROBLEM);
    expect(reused.body.code).toBe('invalid_token');

    // The new admin invites in turn; the invitation of an address already a member answers 409.
    const again = await invite(invitee, accountId, owner.email).expect(409);
    expect(again.body.code).toBe('already_member');
    await invite(owner, accountId, email, 'member').expect(409);
  });

  it('refuses another signed-in user (403 invitation_email_mismatch) and keeps the link for the invitee', async () => {
    const owner = await signUp(instances[0].url, 'owner');
    const accountId = await team(owner);
    const email = uniqueEmail('invitee');
    await invite(owner, accountId, email).expect(201);
    const token = invitationToken(await invitationMail(email));

    const stranger = await signUp(instances[0].url, 'stranger');
    const refused = await accept(stranger, token).expect(403);
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    expect(refused.body.code).toBe('invitation_email_mismatch');
    await first()
      .get('/v1/me')
      .set({ ...bearer(stranger), 'x-account-id': accountId })
      .expect(404);

    await first().post('/v1/invitations/accept').send({ token }).expect(401);
    for (const body of [{}, { token: 42 }]) {
      expect((await first().post('/v1/invitations/accept').set(bearer(stranger)).send(body)).status).toBe(
        400,
      );
    }
    for (const unknown of ['not-a-token', 'A'.repeat(43)]) {
      expect((await accept(stranger, unknown).expect(400)).body.code).toBe('invalid_token');
    }

    const invitee = await signUpAs(email);
    const key = (await first().post('/v1/api-keys').set(bearer(invitee)).send({ name: 'ci' }).expect(201))
      .body as { key: string };
    const withKey = await first()
      .post('/v1/invitations/accept')
      .set('x-api-key', key.key)
      .send({ token })
      .expect(403);
    expect(withKey.body.code).toBe('forbidden_for_api_key');
    expect((await accept(invitee, token).expect(200)).body.account.role).toBe('member');
  });

  it('replaces an earlier invitation to the same address, revokes on request, and lets no member invite', async () => {
    const owner = await signUp(instances[0].url, 'owner');
    const accountId = await team(owner);
    const email = uniqueEmail('invitee');

    const earlier = (await invite(owner, accountId, email).expect(201)).body as InvitationBody;
    const later = (await invite(owner, accountId, email, 'admin').expect(201)).body as InvitationBody;
    expect(later.id).not.toBe(earlier.id);
    expect(await pendingOf(owner, accountId)).toEqual([later]);
    const earlierToken = invitationToken(await invitationMail(email, 1));
    const laterToken = invitationToken(await invitationMail(email, 2));
    const invitee = await signUpAs(email);
    expect((await accept(invitee, earlierToken).expect(400)).body.code).toBe('invalid_token');

    await first().delete(`/v1/accounts/${accountId}/invitations/${later.id}`).set(bearer(owner)).expect(204);
    expect(await pendingOf(owner, accountId)).toEqual([]);
    expect((await accept(invitee, laterToken).expect(400)).body.code).toBe('invalid_token');
    const gone = await first()
      .delete(`/v1/accounts/${accountId}/invitations/${later.id}`)
      .set(bearer(owner))
      .expect(404);
    expect(gone.body.code).toBe('not_found');
    await first().delete(`/v1/accounts/${accountId}/invitations/not-a-uuid`).set(bearer(owner)).expect(400);

    // A member (not owner or admin) neither invites nor revokes; an admin cannot invite an owner.
    await invite(owner, accountId, email).expect(201);
    const memberToken = invitationToken(await invitationMail(email, 3));
    await accept(invitee, memberToken).expect(200);
    const pending = (await invite(owner, accountId, uniqueEmail('next')).expect(201)).body as InvitationBody;
    const asMember = await invite(invitee, accountId, uniqueEmail('friend')).expect(403);
    expect(asMember.body.code).toBe('account_role_required');
    const revokeAsMember = await first()
      .delete(`/v1/accounts/${accountId}/invitations/${pending.id}`)
      .set(bearer(invitee))
      .expect(403);
    expect(revokeAsMember.body.code).toBe('account_role_required');
    expect((await pendingOf(invitee, accountId)).map((invitation) => invitation.id)).toEqual([pending.id]);

    await first()
      .patch(`/v1/accounts/${accountId}/members/${invitee.id}`)
      .set(bearer(owner))
      .send({ role: 'admin' })
      .expect(200);
    const ownerByAdmin = await invite(invitee, accountId, uniqueEmail('boss'), 'owner').expect(403);
    expect(ownerByAdmin.body.code).toBe('account_role_required');
    await invite(owner, accountId, uniqueEmail('co-owner'), 'owner').expect(201);

    const stranger = await signUp(instances[0].url, 'stranger');
    expect((await invite(stranger, accountId, uniqueEmail('x')).expect(404)).body.code).toBe(
      'account_not_found',
    );
    for (const body of [
      { email: 'not-an-email', role: 'member' },
      { email: uniqueEmail('x'), role: 'boss' },
      {},
    ]) {
      const invalid = await first()
        .post(`/v1/accounts/${accountId}/invitations`)
        .set(bearer(owner))
        .send(body);
      expect(invalid.status).toBe(400);
      expect(invalid.body.code).toBe('validation_failed');
    }
  });

  it('lets an expired invitation neither be listed nor accepted', async () => {
    const owner = await signUp(instances[0].url, 'owner');
    const accountId = await team(owner);
    const email = uniqueEmail('late');
    const invitation = (await invite(owner, accountId, email).expect(201)).body as InvitationBody;
    const token = invitationToken(await invitationMail(email));
    await sql(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      invitation.id,
    ]);

    expect(await pendingOf(owner, accountId)).toEqual([]);
    const invitee = await signUpAs(email);
    expect((await accept(invitee, token).expect(400)).body.code).toBe('invalid_token');
    // A new invitation replaces the expired one.
    await invite(owner, accountId, email).expect(201);
    await accept(invitee, invitationToken(await invitationMail(email, 2))).expect(200);
  });

  it('spends a token once when the same invitee sends it twice at once, on two instances', async () => {
    const owner = await signUp(instances[0].url, 'owner');
    const accountId = await team(owner);
    const email = uniqueEmail('twice');
    await invite(owner, accountId, email).expect(201);
    const token = invitationToken(await invitationMail(email));
    const invitee = await signUpAs(email);
    const answers = await Promise.all(
      [first(), second()].map((instance) =>
        instance.post('/v1/invitations/accept').set(bearer(invitee)).send({ token }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    const members = await first().get(`/v1/accounts/${accountId}/members`).set(bearer(owner)).expect(200);
    expect((members.body.data as { userId: string }[]).filter((m) => m.userId === invitee.id)).toHaveLength(
      1,
    );
  });

  it('records invited, joined and revoked in the audit log, never the token', async () => {
    const owner = await signUp(instances[0].url, 'owner');
    const accountId = await team(owner);
    const email = uniqueEmail('audited');
    const revoked = (await invite(owner, accountId, email).expect(201)).body as InvitationBody;
    await first()
      .delete(`/v1/accounts/${accountId}/invitations/${revoked.id}`)
      .set(bearer(owner))
      .expect(204);
    await invite(owner, accountId, email).expect(201);
    const token = invitationToken(await invitationMail(email, 2));
    const invitee = await signUpAs(email);
    await accept(invitee, token).expect(200);

    const rows = await sql(
      `SELECT action, actor_id, subject_id, details::text AS details FROM audit_events
        WHERE details->>'accountId' = $1 AND action IN ('member.invited', 'member.joined', 'invitation.revoked')
        ORDER BY at`,
      [accountId],
    );
    expect(rows.map((row) => [row.action, row.actor_id])).toEqual([
      ['member.invited', owner.id],
      ['invitation.revoked', owner.id],
      ['member.invited', owner.id],
      ['member.joined', invitee.id],
    ]);
    expect(rows.map((row) => row.details).join(' ')).not.toContain(token);
  });

  it('with REQUIRE_VERIFIED_EMAIL, an inviter whose email is not confirmed gets 403 email_not_verified', async () => {
    const strict = await startTestServer({
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      APP_URL,
      REQUIRE_VERIFIED_EMAIL: 'true',
    });
    try {
      const owner = await signUp(strict.url, 'unverified');
      const accountId = await team(owner);
      const refused = await api(strict)
        .post(`/v1/accounts/${accountId}/invitations`)
        .set(bearer(owner))
        .send({ email: uniqueEmail('x'), role: 'member' })
        .expect(403);
      expect(refused.body.code).toBe('email_not_verified');

      const verification = await mail.waitForMail({ to: owner.email, subject: /confirm/i });
      const token = new URL(
        verification.links.find((link) => link.includes('/verify-email'))!,
      ).searchParams.get('token');
      await api(strict).post('/v1/auth/verify-email').send({ token }).expect(200);
      await api(strict)
        .post(`/v1/accounts/${accountId}/invitations`)
        .set(bearer(owner))
        .send({ email: uniqueEmail('x'), role: 'member' })
        .expect(201);
    } finally {
      await strict.stop();
    }
  });
});
