import { bearer, signUp, TestAccount } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import { isolatedDatabase, sleep } from '../support/billing';
import { MailServer, ReceivedMail } from '../support/mail-server';
import { must } from '../support/must';
import { shiftedClock, ShiftedClock } from '../support/shifted-clock';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

const APP_URL = 'https://app.tollgate.test';
const FREE_ANALYSES_PER_DAY = 20;
const ALERT = /^Usage alert: /;
/** Long enough for uses to be flushed (every second) and a mail to be sent (within a second of that). */
const QUIET_MS = 3_000;

type Role = 'admin' | 'member';

interface Team {
  id: string;
  owner: TestAccount;
  admin: TestAccount;
  member: TestAccount;
  projectId: string;
}

describe('usage alerts: owners and admins are mailed at 80% and at 100% of a quota, once per period', () => {
  let database: TestDatabaseServer;
  let mail: MailServer;
  let clock: ShiftedClock;
  let admin: AdminCredentials;
  let server: TestServer;
  let second: TestServer;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    [database, mail] = await Promise.all([isolatedDatabase(), MailServer.start()]);
    clock = shiftedClock();
    admin = adminEnvironment();
    const env = {
      DATABASE_URL: database.url,
      SMTP_URL: mail.url,
      APP_URL,
      MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000',
      ...admin,
      ...clock.env,
    };
    [server, second] = await Promise.all([startTestServer(env), startTestServer(env)]);
    asAdmin = await adminHeaders(server.url, admin);
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), second?.stop()]);
    await Promise.all([mail?.stop(), database?.release()]);
    clock?.remove();
  });

  function actingFor(user: TestAccount, accountId: string): Record<string, string> {
    return { ...bearer(user), 'x-account-id': accountId };
  }

  /** A new user who joins the team the way a person does: invited by mail, accepting the link's token. */
  async function join(owner: TestAccount, accountId: string, role: Role): Promise<TestAccount> {
    const user = await signUp(server.url, role);
    await api(server)
      .post(`/v1/accounts/${accountId}/invitations`)
      .set(bearer(owner))
      .send({ email: user.email, role })
      .expect(201);
    const invitation = await mail.waitForMail({ to: user.email, subject: /invited you/ });
    const link = must(
      invitation.links.find((candidate) => new URL(candidate).pathname === '/invitations/accept'),
      'an invitation link',
    );
    await api(server)
      .post('/v1/invitations/accept')
      .set(bearer(user))
      .send({ token: new URL(link).searchParams.get('token') })
      .expect(200);
    return user;
  }

  /** A team on the free plan (20 analyses a day) with an owner, an admin and a member, and a project. */
  async function team(name: string): Promise<Team> {
    const owner = await signUp(server.url, 'owner');
    const created = await api(server).post('/v1/accounts').set(bearer(owner)).send({ name }).expect(201);
    const id = created.body.id as string;
    const [teamAdmin, member] = await Promise.all([join(owner, id, 'admin'), join(owner, id, 'member')]);
    const project = await api(server)
      .post('/v1/projects')
      .set(actingFor(owner, id))
      .send({ name: 'alerts' })
      .expect(201);
    return { id, owner, admin: teamAdmin, member, projectId: project.body.id as string };
  }

  function analyse(on: TestServer, user: TestAccount, accountId: string, projectId: string) {
    return api(on).post('/v1/analyses').set(actingFor(user, accountId)).send({ projectId });
  }

  /** `count` analyses at once, spread over `servers` in turn; answers how many were created. */
  async function analyses(
    servers: TestServer[],
    user: TestAccount,
    accountId: string,
    projectId: string,
    count: number,
  ): Promise<number> {
    const statuses = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        analyse(servers[index % servers.length]!, user, accountId, projectId).then(
          (response) => response.status,
        ),
      ),
    );
    expect(statuses.filter((status) => status !== 201 && status !== 402)).toEqual([]);
    return statuses.filter((status) => status === 201).length;
  }

  const alertsTo = (user: TestAccount, percent?: number): ReceivedMail[] =>
    mail
      .mailsTo(user.email)
      .filter(
        (received) =>
          ALERT.test(received.subject) &&
          (percent === undefined || received.subject.includes(` ${percent}% `)),
      );

  /** Waits until each user has `count` alert mails of `percent`. */
  async function waitForAlerts(users: TestAccount[], percent: number, count = 1): Promise<void> {
    await mail.waitUntil(
      () => users.every((user) => alertsTo(user, percent).length >= count),
      15_000,
      `${count} ${percent}% alert(s) to each of ${users.length}`,
    );
  }

  async function signInAgain(user: TestAccount): Promise<TestAccount> {
    const login = await api(server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password })
      .expect(200);
    return { ...user, accessToken: login.body.accessToken as string };
  }

  let engines: Team;

  it('mails the owner and the admin at the 16th of 20 analyses and at the 20th, the member never, and nothing past the limit', async () => {
    engines = await team('Engines');
    const { owner, member, projectId, id } = engines;
    expect(await analyses([server], owner, id, projectId, 15)).toBe(15);
    await sleep(QUIET_MS);
    expect(alertsTo(owner)).toHaveLength(0);

    await analyse(server, owner, id, projectId).expect(201);
    await waitForAlerts([owner, engines.admin], 80);
    const [eighty] = alertsTo(engines.admin, 80);
    expect(eighty!.subject).toBe('Usage alert: Engines has used 80% of its analyses quota on Tollgate');
    expect(eighty!.text).toContain(
      'The account "Engines" has used 16 of the 20 analyses its plan includes this period (80%).',
    );
    const usage = await api(server).get('/v1/usage').set(actingFor(owner, id)).expect(200);
    const resetsAt = (usage.body.data as { feature: string; resetsAt: string }[]).find(
      (entry) => entry.feature === 'analyses',
    )!.resetsAt;
    expect(eighty!.text).toContain(`until the quota resets at ${resetsAt}.`);
    expect(eighty!.links).toContain(`${APP_URL}/billing`);

    expect(await analyses([server], owner, id, projectId, 4)).toBe(4);
    await waitForAlerts([owner, engines.admin], 100);
    const [hundred] = alertsTo(owner, 100);
    expect(hundred!.text).toContain('has used 20 of the 20 analyses its plan includes this period (100%).');
    expect(hundred!.text).toContain('Further requests are refused (402 quota_exhausted)');

    expect(await analyses([server, second], owner, id, projectId, 5)).toBe(0);
    await sleep(QUIET_MS);
    for (const user of [owner, engines.admin]) {
      expect(alertsTo(user, 80)).toHaveLength(1);
      expect(alertsTo(user, 100)).toHaveLength(1);
    }
    expect(mail.mailsTo(member.email).filter((received) => ALERT.test(received.subject))).toEqual([]);
  });

  it('sends both alerts, one of each, when a burst goes from 0 to 20 at once', async () => {
    const burst = await team('Burst');
    expect(await analyses([server], burst.owner, burst.id, burst.projectId, 20)).toBe(FREE_ANALYSES_PER_DAY);
    await waitForAlerts([burst.owner, burst.admin], 80);
    await waitForAlerts([burst.owner, burst.admin], 100);
    await sleep(QUIET_MS);
    for (const user of [burst.owner, burst.admin]) {
      expect(alertsTo(user, 80)).toHaveLength(1);
      expect(alertsTo(user, 100)).toHaveLength(1);
    }
    expect(alertsTo(burst.member)).toEqual([]);
  });

  it('sends both at the one request that crosses both thresholds (a quota of 2 on a personal account)', async () => {
    const user = await signUp(server.url, 'two');
    const listed = await api(server).get('/v1/accounts').set(bearer(user)).expect(200);
    const personal = (listed.body.data as { id: string; personal: boolean }[]).find(
      (account) => account.personal,
    )!;
    await api(server)
      .post(`/v1/admin/accounts/${personal.id}/grants`)
      .set(asAdmin)
      .send({ feature: 'analyses', limit: 2 })
      .expect(201);
    const project = await api(server).post('/v1/projects').set(bearer(user)).send({ name: 'p' }).expect(201);
    const projectId = project.body.id as string;

    await api(server).post('/v1/analyses').set(bearer(user)).send({ projectId }).expect(201);
    await sleep(QUIET_MS);
    expect(alertsTo(user)).toEqual([]);
    await api(server).post('/v1/analyses').set(bearer(user)).send({ projectId }).expect(201);
    await waitForAlerts([user], 80);
    await waitForAlerts([user], 100);
    for (const alert of alertsTo(user)) expect(alert.text).toContain('has used 2 of the 2 analyses');
    await api(server).post('/v1/analyses').set(bearer(user)).send({ projectId }).expect(402);
    await sleep(QUIET_MS);
    expect(alertsTo(user)).toHaveLength(2);
  });

  it('never alerts an unlimited quota', async () => {
    const user = await signUp(server.url, 'unlimited');
    const listed = await api(server).get('/v1/accounts').set(bearer(user)).expect(200);
    const personal = (listed.body.data as { id: string; personal: boolean }[]).find(
      (account) => account.personal,
    )!;
    await api(server)
      .post(`/v1/admin/accounts/${personal.id}/grants`)
      .set(asAdmin)
      .send({ feature: 'analyses', limit: null })
      .expect(201);
    const project = await api(server).post('/v1/projects').set(bearer(user)).send({ name: 'p' }).expect(201);
    expect(await analyses([server, second], user, personal.id, project.body.id as string, 30)).toBe(30);
    await sleep(QUIET_MS);
    expect(alertsTo(user)).toEqual([]);
  });

  it('sends one mail per threshold and recipient when two instances serve the account', async () => {
    const pair = await team('Pair');
    let created = await analyses([server, second], pair.owner, pair.id, pair.projectId, 40);
    // What one instance leased and left unused goes back after a few idle seconds: the rest is served.
    for (let round = 0; round < 20 && created < FREE_ANALYSES_PER_DAY; round++) {
      await sleep(1_000);
      created += await analyses([server, second], pair.owner, pair.id, pair.projectId, 4);
    }
    expect(created).toBe(FREE_ANALYSES_PER_DAY);
    await waitForAlerts([pair.owner, pair.admin], 80);
    await waitForAlerts([pair.owner, pair.admin], 100);
    await sleep(QUIET_MS);
    for (const user of [pair.owner, pair.admin]) {
      expect(alertsTo(user, 80)).toHaveLength(1);
      expect(alertsTo(user, 100)).toHaveLength(1);
    }
    expect(alertsTo(pair.member)).toEqual([]);
  });

  it('alerts again in the next period (the service clock moved past midnight, not slept)', async () => {
    const now = Date.now();
    const nextMidnight = Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate() + 1,
    );
    try {
      clock.shiftTo(nextMidnight - now + 1_000);
      await sleep(150);
      // Access tokens live 15 minutes: hours later on the servers' clock, the owner signs in again.
      const owner = await signInAgain(engines.owner);
      expect(await analyses([server], owner, engines.id, engines.projectId, 16)).toBe(16);
      await waitForAlerts([owner, engines.admin], 80, 2);
      const next = new Date(nextMidnight + 24 * 3_600_000).toISOString();
      for (const user of [owner, engines.admin]) {
        expect(alertsTo(user, 80)[1]!.text).toContain(`until the quota resets at ${next}.`);
        expect(alertsTo(user, 100)).toHaveLength(1);
      }
    } finally {
      clock.shiftTo(0);
      await sleep(150);
    }
  });
});
