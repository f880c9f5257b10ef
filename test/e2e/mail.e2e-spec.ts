import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import { eventually, isolatedDatabase, sleep } from '../support/billing';
import { MailServer, ReceivedMail, SilentServer } from '../support/mail-server';
import { must } from '../support/must';
import { freePort } from '../support/server-process';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

interface MailEntry {
  id: string;
  to: string;
  template: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** Longer than a worker interval: a second copy of a mail would have come by then. */
const QUIET_MS = 2_000;

async function createKey(server: TestServer, user: TestAccount, name: string) {
  const response = await api(server).post('/v1/api-keys').set(bearer(user)).send({ name }).expect(201);
  return response.body as { id: string; key: string; prefix: string };
}

async function mailEntries(
  server: TestServer,
  asAdmin: Record<string, string>,
  query: Record<string, string> = {},
): Promise<MailEntry[]> {
  const response = await api(server)
    .get('/v1/admin/mail')
    .query({ limit: '200', ...query })
    .set(asAdmin)
    .expect(200);
  return (response.body as { data: MailEntry[] }).data;
}

async function mailTo(server: TestServer, asAdmin: Record<string, string>, to: string): Promise<MailEntry> {
  return must(
    (await mailEntries(server, asAdmin)).find(
      (entry) => entry.to === to && entry.template === 'api-key-created',
    ),
    `an outbox row for ${to}`,
  );
}

/** Resolves once the client has connected to the silent server (and waits for a greeting). */
async function smtpConnected(silent: SilentServer): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (silent.connections === 0) {
    if (Date.now() > deadline) throw new Error('the service never connected to the SMTP server');
    await sleep(20);
  }
}

/** The mails these tests are about (signup also mails a verification link). */
const KEY_MAIL = /API key was created/;

function keyMails(mails: ReceivedMail[]): ReceivedMail[] {
  return mails.filter((mail) => KEY_MAIL.test(mail.subject));
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

function intervals(times: number[]): number[] {
  return times.slice(1).map((time, index) => time - times[index]!);
}

describe('mail over a real SMTP server', () => {
  let smtp: MailServer;
  let database: TestDatabaseServer;
  let server: TestServer;
  let admin: AdminCredentials;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    // The outbox is shared by every server on a database: other files' servers must not send these.
    [smtp, database] = await Promise.all([
      MailServer.start({ credentials: { user: 'tollgate@example.test', pass: 'p@ss:w/rd' } }),
      isolatedDatabase(),
    ]);
    admin = adminEnvironment();
    server = await startTestServer({
      ...admin,
      DATABASE_URL: database.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Tollgate Test <mailer@tollgate.test>',
      APP_URL: 'https://app.tollgate.test',
    });
    asAdmin = await adminHeaders(server.url, admin);
  });
  afterEach(() => {
    smtp.accept();
    smtp.rejectRecipients(() => false);
    smtp.delayReplies(0);
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
    await database?.release();
  });

  /** A new user whose signup mail (the verification link) has arrived already. */
  async function signedUp(label: string) {
    const user = await signUp(server.url, label);
    await smtp.waitForMail({ to: user.email, subject: /Confirm your email/ });
    return user;
  }

  it('mails the owner once when an API key is created: its name and prefix, never the key', async () => {
    const user = await signUp(server.url, 'key-owner');
    const startedAt = Date.now();
    const created = await createKey(server, user, 'CI <pipeline> & "deploys"');
    const committedAt = Date.now();
    const mail = await smtp.waitForMail({ to: user.email, subject: KEY_MAIL }, 10_000);
    report(
      `api-key-created mail: received ${mail.receivedAt - committedAt} ms after the 201 ` +
        `(${mail.receivedAt - startedAt} ms after the request was sent)`,
    );

    expect(mail.receivedAt - committedAt).toBeLessThan(10_000);
    expect(mail.from).toBe('mailer@tollgate.test');
    expect(mail.subject).toBe('A new API key was created on your Tollgate Test account');
    expect(mail.text).toContain('CI <pipeline> & "deploys"');
    expect(mail.text).toContain(created.prefix);
    expect(mail.html).toContain('CI &lt;pipeline&gt; &amp; &quot;deploys&quot;');
    expect(mail.raw).not.toContain(created.key);
    expect(mail.raw).not.toContain(created.key.slice(10));
    expect(mail.links[0]).toBe('https://app.tollgate.test/');
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@tollgate\.test>$/);

    await sleep(QUIET_MS);
    expect(keyMails(smtp.mailsTo(user.email))).toHaveLength(1);
    const entry = await mailTo(server, asAdmin, user.email);
    expect(entry).toMatchObject({
      template: 'api-key-created',
      status: 'sent',
      attempts: 1,
      lastError: null,
    });
  });

  it('keeps a mail while the server answers 451 and delivers it once when it accepts again', async () => {
    const user = await signedUp('tempfail');
    smtp.failWith(451);
    const startedAt = Date.now();
    await createKey(server, user, 'during a 451 spell');
    await smtp.waitUntil(
      () => smtp.attemptsFor(user.email).filter((attempt) => attempt.reply === 451).length >= 4,
      20_000,
      'four refused attempts',
    );

    const pending = await mailTo(server, asAdmin, user.email);
    expect(pending).toMatchObject({ status: 'pending', sentAt: null });
    expect(pending.attempts).toBeGreaterThanOrEqual(3);
    expect(pending.lastError).toMatch(/451/);
    expect((await mailEntries(server, asAdmin, { status: 'pending' })).map((entry) => entry.id)).toContain(
      pending.id,
    );

    smtp.accept();
    const recoveredAt = Date.now();
    const mail = await smtp.waitForMail({ to: user.email, subject: KEY_MAIL }, 60_000);
    const refused = smtp.attemptsFor(user.email).filter((attempt) => attempt.reply === 451);
    report(
      `451 spell: attempts at +${refused.map((attempt) => attempt.at - startedAt).join(', +')} ms ` +
        `(gaps ${intervals(refused.map((attempt) => attempt.at)).join(', ')} ms); ` +
        `delivered ${mail.receivedAt - recoveredAt} ms after the server accepted again`,
    );
    expect(mail.receivedAt - recoveredAt).toBeLessThan(60_000);

    await sleep(QUIET_MS);
    expect(keyMails(smtp.mailsTo(user.email))).toHaveLength(1);
    expect(await mailTo(server, asAdmin, user.email)).toMatchObject({ status: 'sent', lastError: null });
  }, 90_000);

  it('keeps a mail while the server is down and delivers it once when it is back', async () => {
    const user = await signedUp('outage');
    await smtp.stop();
    try {
      await createKey(server, user, 'during an outage');
      await eventually(
        async () => {
          const entry = await mailTo(server, asAdmin, user.email);
          expect(entry.attempts).toBeGreaterThanOrEqual(2);
          expect(entry.lastError).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
        },
        20_000,
        200,
      );
    } finally {
      await smtp.start();
    }
    const backAt = Date.now();
    const mail = await smtp.waitForMail({ to: user.email, subject: KEY_MAIL }, 60_000);
    report(`SMTP outage: delivered ${mail.receivedAt - backAt} ms after the server listened again`);
    expect(mail.receivedAt - backAt).toBeLessThan(60_000);
    await sleep(QUIET_MS);
    expect(keyMails(smtp.mailsTo(user.email))).toHaveLength(1);
  }, 90_000);

  it('gives a mail up when the server refuses it for good (5xx) and shows admins every status', async () => {
    const refused = await signedUp('refused');
    smtp.rejectRecipients((address) => address === refused.email);
    await createKey(server, refused, 'to nobody');
    const failed = await eventually(async () => {
      const entry = await mailTo(server, asAdmin, refused.email);
      expect(entry.status).toBe('failed');
      return entry;
    });
    expect(failed).toMatchObject({ attempts: 1, sentAt: null, template: 'api-key-created' });
    expect(failed.lastError).toMatch(/550/);
    expect(keyMails(smtp.mailsTo(refused.email))).toHaveLength(0);

    const byStatus = async (status: string) =>
      (await mailEntries(server, asAdmin, { status })).map((entry) => entry.status);
    expect(new Set(await byStatus('failed'))).toEqual(new Set(['failed']));
    expect(new Set(await byStatus('sent'))).toEqual(new Set(['sent']));
    expect(await byStatus('pending')).toEqual([]);

    const response = await api(server).get('/v1/admin/mail').set(asAdmin).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const [newest] = (response.body as { data: MailEntry[] }).data;
    expect(Object.keys(must(newest, 'a mail')).sort()).toEqual(
      ['attempts', 'createdAt', 'id', 'lastError', 'sentAt', 'status', 'template', 'to'].sort(),
    );
    expect(newest).toMatchObject({ to: refused.email, status: 'failed' });

    await eventually(async () => {
      const metrics = (await api(server).get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^mail_sent_total\{template="api-key-created"\} [1-9]/m);
      expect(metrics).toMatch(/^mail_failed_total\{template="api-key-created",reason="rejected"\} 1$/m);
      expect(metrics).toMatch(/^mail_send_attempts_failed_total [1-9]/m);
      // Nothing waits (as of the worker's last pass, at most a second ago).
      expect(metrics).toMatch(/^mail_outbox_oldest_pending_seconds 0$/m);
    });
  });

  it('pages the outbox with a cursor, newest first', async () => {
    const all = await mailEntries(server, asAdmin);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(server)
        .get('/v1/admin/mail')
        .query({ limit: '2', ...(cursor ? { cursor } : {}) })
        .set(asAdmin)
        .expect(200);
      const body = page.body as { data: MailEntry[]; nextCursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((entry) => entry.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((entry) => entry.id));
    const times = all.map((entry) => Date.parse(entry.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('answers bad queries 400 and everyone but admins 401 or 403', async () => {
    const bad = await api(server)
      .get('/v1/admin/mail')
      .query({ status: 'delivered' })
      .set(asAdmin)
      .expect(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.body).toMatchObject({ code: 'validation_failed' });
    expect(bad.body.errors[0].message).toMatch(/status must be one of pending, sent, failed/);
    for (const query of [
      { cursor: 'bm90IGEgY3Vyc29y' },
      { cursor: '../x' },
      { limit: '0' },
      { limit: 'many' },
    ]) {
      const refused = await api(server).get('/v1/admin/mail').query(query).set(asAdmin).expect(400);
      expect(refused.body).toMatchObject({ code: 'validation_failed' });
    }

    const user = await signUp(server.url, 'not-admin');
    const forbidden = await api(server).get('/v1/admin/mail').set(bearer(user)).expect(403);
    expect(forbidden.body).toMatchObject({ code: 'forbidden' });
    await api(server).get('/v1/admin/mail').expect(401);
  });
});

describe('two instances on one outbox', () => {
  let smtp: MailServer;
  let database: TestDatabaseServer;
  let servers: TestServer[];

  beforeAll(async () => {
    [smtp, database] = await Promise.all([MailServer.start(), isolatedDatabase()]);
    const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, MAIL_WORKER_INTERVAL_MS: '100' };
    servers = await Promise.all([startTestServer(env), startTestServer(env)]);
  });
  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop()));
    await smtp?.stop();
    await database?.release();
  });

  it('never send one mail twice: every mail arrives exactly once', async () => {
    // Slow answers keep deliveries in flight while both workers claim.
    smtp.delayReplies(30);
    const [first, second] = servers as [TestServer, TestServer];
    const users = await Promise.all([
      signUp(first.url, 'two-a'),
      signUp(second.url, 'two-b'),
      signUp(first.url, 'two-c'),
    ]);
    const startedAt = Date.now();
    const names: string[] = [];
    await Promise.all(
      users.map(async (user, userIndex) => {
        for (let index = 0; index < 20; index += 1) {
          const name = `key ${userIndex}-${index}`;
          names.push(name);
          await createKey(index % 2 === 0 ? first : second, user, name);
        }
      }),
    );
    await smtp.waitUntil(
      () => keyMails(smtp.received).length >= names.length,
      30_000,
      `${names.length} mails`,
    );
    const lastAt = Math.max(...keyMails(smtp.received).map((mail) => mail.receivedAt));
    report(
      `two instances: ${names.length} mails delivered within ${lastAt - startedAt} ms of the first request`,
    );
    await sleep(QUIET_MS);

    const received = keyMails(smtp.received);
    expect(received).toHaveLength(names.length);
    const named = (mail: ReceivedMail) => must(/named "([^"]+)"/.exec(mail.text)?.[1], 'a key name');
    expect(received.map(named).sort()).toEqual([...names].sort());
    expect(new Set(received.map((mail) => mail.messageId)).size).toBe(names.length);
    // Both workers took part.
    const sentBy = await Promise.all(
      servers.map(async (server) => {
        const metrics = (await api(server).get('/metrics').expect(200)).text;
        return Number(/^mail_sent_total\{template="api-key-created"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
      }),
    );
    report(`two instances: sent ${sentBy.join(' and ')}`);
    expect(sentBy.every((sent) => sent > 0)).toBe(true);
    expect(sentBy.reduce((sum, sent) => sum + sent, 0)).toBe(names.length);
  }, 90_000);
});

describe('the service killed between writing a mail and sending it', () => {
  let smtp: MailServer;
  let database: TestDatabaseServer;
  let admin: AdminCredentials;

  beforeAll(async () => {
    [smtp, database] = await Promise.all([MailServer.start(), isolatedDatabase()]);
    admin = adminEnvironment();
  });
  afterAll(async () => {
    await smtp?.stop();
    await database?.release();
  });

  const environment = (smtpUrl: string) => ({ ...admin, DATABASE_URL: database.url, SMTP_URL: smtpUrl });

  it('sends a mail written before kill -9 once after the restart (SMTP unreachable until then)', async () => {
    const crashing = await startTestServer(environment(`smtp://127.0.0.1:${await freePort()}`));
    const user = await signUp(crashing.url, 'crash-before-send');
    await createKey(crashing, user, 'written, then killed');
    const asAdmin = await adminHeaders(crashing.url, admin);
    await eventually(async () =>
      expect((await mailTo(crashing, asAdmin, user.email)).lastError).toMatch(/ECONNREFUSED|ESOCKET/),
    );
    await crashing.stop('SIGKILL');

    const restarted = await startTestServer(environment(smtp.url));
    try {
      const restartedAt = Date.now();
      const mail = await smtp.waitForMail({ to: user.email, subject: KEY_MAIL }, 20_000);
      report(`kill -9 before sending: delivered ${mail.receivedAt - restartedAt} ms after the restart`);
      await sleep(QUIET_MS);
      expect(keyMails(smtp.mailsTo(user.email))).toHaveLength(1);
      expect(mail.text).toContain('written, then killed');
    } finally {
      await restarted.stop();
    }
  }, 90_000);

  it('takes over a mail a killed instance had claimed and was sending, and sends it once', async () => {
    const silent = await SilentServer.start();
    const crashing = await startTestServer(environment(silent.url));
    try {
      const user = await signUp(crashing.url, 'crash-while-sending');
      await createKey(crashing, user, 'claimed, then killed');
      // Connected and waiting for a greeting that never comes: the mail is claimed by this instance.
      await smtpConnected(silent);
      await crashing.stop('SIGKILL');

      const restarted = await startTestServer(environment(smtp.url));
      try {
        const restartedAt = Date.now();
        const mail = await smtp.waitForMail({ to: user.email, subject: KEY_MAIL }, 20_000);
        report(
          `kill -9 while sending: the claim was taken over and delivered ${mail.receivedAt - restartedAt} ms after the restart`,
        );
        // Well before the claim's lease (120 s) would have run out: the dead claimant was recognised.
        expect(mail.receivedAt - restartedAt).toBeLessThan(15_000);
        await sleep(QUIET_MS);
        expect(keyMails(smtp.mailsTo(user.email))).toHaveLength(1);
      } finally {
        await restarted.stop();
      }
    } finally {
      await crashing.stop('SIGKILL');
      await silent.stop();
    }
  }, 90_000);
});

describe('without SMTP_URL', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-mail-files-'));
  let database: TestDatabaseServer;
  let server: TestServer;

  beforeAll(async () => {
    database = await isolatedDatabase();
    server = await startTestServer({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      APP_URL: 'http://localhost:4000',
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes each mail as an .eml file under DATA_DIR/mail and logs it in one line with its link', async () => {
    const user = await signUp(server.url, 'no-smtp');
    const created = await createKey(server, user, 'written to a file');
    const mailDir = path.join(dataDir, 'mail');
    const file = await eventually(() => {
      const files = readdirSync(mailDir).filter(
        (name) => name.endsWith('.eml') && name.includes('-api-key-created-'),
      );
      const mine = files.find((name) =>
        readFileSync(path.join(mailDir, name), 'utf8').includes(`To: ${user.email}`),
      );
      return Promise.resolve(must(mine, `an .eml file for ${user.email}`));
    });
    expect(file).toMatch(/-api-key-created-[0-9a-f-]{36}\.eml$/);
    const raw = readFileSync(path.join(mailDir, file));
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('A new API key was created on your Tollgate account');
    expect(parsed.text).toContain('written to a file');
    expect(raw.toString()).not.toContain(created.key);

    const logLine = await eventually(() =>
      Promise.resolve(
        must(
          server
            .output()
            .split('\n')
            .find((line) => line.includes('mail written to a file') && line.includes(file)),
          'the log line of the file',
        ),
      ),
    );
    expect(JSON.parse(logLine)).toMatchObject({
      template: 'api-key-created',
      link: 'http://localhost:4000/',
    });
    expect(logLine).not.toContain(created.key);
  });

  it('in production, warns at boot that mail is not sent, and logs no link', async () => {
    // A database of its own: the other server would take its mail (and log the link).
    const productionDatabase = await isolatedDatabase();
    const production = await startTestServer({
      NODE_ENV: 'production',
      DATABASE_URL: productionDatabase.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    });
    try {
      const warning = production
        .output()
        .split('\n')
        .find((line) => line.includes('SMTP_URL is not set'));
      expect(JSON.parse(must(warning, 'the warning'))).toMatchObject({ level: 40 });

      const user = await signUp(production.url, 'no-smtp-production');
      await createKey(production, user, 'in production');
      const logLine = await eventually(() =>
        Promise.resolve(
          must(
            production
              .output()
              .split('\n')
              .find((line) => line.includes('mail written to a file') && line.includes('"template"')),
            'the log line of the file',
          ),
        ),
      );
      expect(JSON.parse(logLine)).not.toHaveProperty('link');
      expect(logLine).not.toContain('http');
    } finally {
      await production.stop();
      await productionDatabase.release();
    }
  });
});
