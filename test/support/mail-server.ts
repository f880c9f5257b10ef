import { simpleParser } from 'mailparser';
import { createServer, Server, Socket } from 'node:net';
import { SMTPServer, SMTPServerSession } from 'smtp-server';

import { freePort } from './server-process';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** Every http(s) link in the text part, in order. */
  links: string[];
  raw: string;
  receivedAt: number;
}

/** One message the client tried to hand over (its DATA), and what it was answered. */
export interface DeliveryAttempt {
  at: number;
  to: string[];
  reply: number;
}

type Answer = { code: 250 } | { code: number; message: string };

/** An SMTP reply carrying its code, as smtp-server wants it from a handler. */
function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server (smtp-server, from the nodemailer project) in the test process, on a free
 * port of 127.0.0.1. It parses what it receives with mailparser; a test can make it answer every
 * message with a temporary failure (`failWith(451)`), refuse some recipients for good, answer
 * slowly, or stop listening (`stop()`) and come back on the same port (`start()`).
 */
export class MailServer {
  readonly received: ReceivedMail[] = [];
  readonly attempts: DeliveryAttempt[] = [];
  private server: SMTPServer | null = null;
  private answer: Answer = { code: 250 };
  private rejected: (address: string) => boolean = () => false;
  private replyDelayMs = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly port: number,
    private readonly credentials: { user: string; pass: string } | null,
  ) {}

  /** `credentials`: the server wants AUTH with these (sent in the clear: this is a test on 127.0.0.1). */
  static async start(options: { credentials?: { user: string; pass: string } } = {}): Promise<MailServer> {
    const mailServer = new MailServer(await freePort(), options.credentials ?? null);
    await mailServer.start();
    return mailServer;
  }

  /** SMTP_URL for the service, credentials URL-encoded. */
  get url(): string {
    const auth = this.credentials
      ? `${encodeURIComponent(this.credentials.user)}:${encodeURIComponent(this.credentials.pass)}@`
      : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** Listens (again) on its port. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      authOptional: !this.credentials,
      allowInsecureAuth: true,
      closeTimeout: 100,
      onAuth: (auth, _session, callback) => {
        const granted =
          this.credentials &&
          auth.username === this.credentials.user &&
          auth.password === this.credentials.pass;
        if (granted) callback(null, { user: auth.username });
        else callback(smtpError(535, 'Authentication failed'));
      },
      onRcptTo: (address, _session, callback) => {
        if (this.rejected(address.address))
          callback(smtpError(550, `5.1.1 <${address.address}>: no such user`));
        else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          void this.receive(Buffer.concat(chunks), session).then(
            (error) => setTimeout(() => callback(error), this.replyDelayMs),
            (error: Error) => callback(error),
          );
        });
      },
    });
    server.on('error', () => undefined); // a client dropping its connection is not the test's concern
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and drops open connections: clients get "connection refused" until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers every message with this reply until `accept()`: 451 is "try again later". */
  failWith(code: number, message = 'Requested action aborted: try again later'): void {
    this.answer = { code, message };
  }

  accept(): void {
    this.answer = { code: 250 };
  }

  /** Refuses for good (550) the recipients that match. */
  rejectRecipients(matches: (address: string) => boolean): void {
    this.rejected = matches;
  }

  /** Waits this long before answering each message, so that deliveries overlap. */
  delayReplies(ms: number): void {
    this.replyDelayMs = ms;
  }

  mailsTo(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  attemptsFor(address: string): DeliveryAttempt[] {
    return this.attempts.filter((attempt) => attempt.to.includes(address.toLowerCase()));
  }

  /** The first mail to `to` (whose subject matches, if given) that arrives, or has arrived. */
  async waitForMail(match: { to: string; subject?: RegExp }, timeoutMs = 15_000): Promise<ReceivedMail> {
    const find = () =>
      this.mailsTo(match.to).find((mail) => !match.subject || match.subject.test(mail.subject));
    await this.waitUntil(() => find() !== undefined, timeoutMs, `a mail to ${match.to}`);
    return find()!;
  }

  /** Resolves once `condition` holds, checked on every message received or attempted. */
  async waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${what} did not arrive within ${timeoutMs} ms (${this.received.length} received)`));
      }, timeoutMs);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private async receive(raw: Buffer, session: SMTPServerSession): Promise<Error | null> {
    const to = session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase());
    const answer = this.answer;
    this.attempts.push({ at: Date.now(), to, reply: answer.code });
    if ('message' in answer) {
      this.notify();
      return smtpError(answer.code, answer.message);
    }
    const parsed = await simpleParser(raw);
    const text = parsed.text ?? '';
    this.received.push({
      to,
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      subject: parsed.subject ?? '',
      text,
      html: typeof parsed.html === 'string' ? parsed.html : '',
      messageId: parsed.messageId ?? '',
      links: text.match(/https?:\/\/[^\s<>"]+/g) ?? [],
      raw: raw.toString('utf8'),
      receivedAt: Date.now(),
    });
    this.notify();
    return null;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * A server that accepts connections and never says a word: an SMTP client connected to it waits
 * for the greeting, with its mail claimed, until its own timeout.
 */
export class SilentServer {
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(readonly port: number) {
    this.server = createServer((socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<SilentServer> {
    const silent = new SilentServer(await freePort());
    await new Promise<void>((resolve) => silent.server.listen(silent.port, '127.0.0.1', () => resolve()));
    return silent;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
