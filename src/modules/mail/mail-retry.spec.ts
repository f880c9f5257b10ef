import { describeSendFailure, MAX_RETRY_DELAY_MS, nextStepAfterFailure, retryDelayMs } from './mail-retry';

const noJitter = () => 0;
const fullJitter = () => 0.999_999;

describe('retryDelayMs', () => {
  it('doubles from the base delay per attempt', () => {
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelayMs(attempts, 1_000, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000,
    ]);
  });

  it('never waits more than 30 s, however many attempts, so mail goes out within 60 s of an outage ending', () => {
    for (const attempts of [6, 7, 20, 1_000, Number.MAX_SAFE_INTEGER]) {
      expect(retryDelayMs(attempts, 1_000, noJitter)).toBe(MAX_RETRY_DELAY_MS);
      expect(retryDelayMs(attempts, 30_000, noJitter)).toBeLessThanOrEqual(30_000);
    }
    expect(MAX_RETRY_DELAY_MS).toBeLessThanOrEqual(60_000 - 10_000);
  });

  it('jitter only shortens a delay, by at most a quarter', () => {
    expect(retryDelayMs(3, 1_000, fullJitter)).toBe(3_000);
    expect(retryDelayMs(40, 1_000, fullJitter)).toBe(22_500);
    for (let sample = 0; sample < 1_000; sample += 1) {
      const delay = retryDelayMs(10, 1_000);
      expect(delay).toBeGreaterThanOrEqual(22_500);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });

  it('treats a first attempt (or a nonsense count) as the base delay', () => {
    expect(retryDelayMs(0, 500, noJitter)).toBe(500);
    expect(retryDelayMs(-3, 500, noJitter)).toBe(500);
  });
});

describe('nextStepAfterFailure', () => {
  const policy = { baseDelayMs: 1_000, giveUpAfterMs: 24 * 3600_000 };
  const createdAt = new Date('2026-11-30T12:00:00.000Z');

  it('retries a transient failure after the backoff delay', () => {
    const now = new Date('2026-11-30T12:00:10.000Z');
    expect(
      nextStepAfterFailure(
        { permanent: false, reason: '451' },
        { attempts: 3, createdAt },
        now,
        policy,
        noJitter,
      ),
    ).toEqual({ kind: 'retry', at: new Date('2026-11-30T12:00:14.000Z') });
  });

  it('gives up at once on a permanent rejection', () => {
    expect(
      nextStepAfterFailure({ permanent: true, reason: '550' }, { attempts: 1, createdAt }, createdAt, policy),
    ).toEqual({ kind: 'give-up', reason: 'rejected' });
  });

  it('gives up a mail that is still failing once it is older than the limit', () => {
    const justBefore = new Date(createdAt.getTime() + policy.giveUpAfterMs - 1);
    const atLimit = new Date(createdAt.getTime() + policy.giveUpAfterMs);
    const transient = { permanent: false, reason: 'ECONNECTION' };
    expect(nextStepAfterFailure(transient, { attempts: 2_000, createdAt }, justBefore, policy).kind).toBe(
      'retry',
    );
    expect(nextStepAfterFailure(transient, { attempts: 2_000, createdAt }, atLimit, policy)).toEqual({
      kind: 'give-up',
      reason: 'expired',
    });
  });
});

describe('describeSendFailure', () => {
  it('takes 5xx replies as permanent and 4xx, 503 and network errors as transient', () => {
    const reply = (responseCode: number, permanent: boolean) =>
      Object.assign(new Error(`Message failed: ${responseCode} no`), {
        code: 'EMESSAGE',
        responseCode,
        permanent,
      });
    expect(describeSendFailure(reply(550, true)).permanent).toBe(true);
    expect(describeSendFailure(reply(451, false)).permanent).toBe(false);
    expect(describeSendFailure(reply(503, false)).permanent).toBe(false);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ESOCKET' });
    expect(describeSendFailure(refused)).toEqual({
      permanent: false,
      reason: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:2525',
    });
  });

  it('retries a refused login: the configuration is wrong, not the message', () => {
    const login = Object.assign(new Error('Invalid login: 535 Authentication failed'), {
      code: 'EAUTH',
      responseCode: 535,
      permanent: true,
    });
    expect(describeSendFailure(login).permanent).toBe(false);
  });

  it('keeps credentials out of the reason and bounds its length', () => {
    const error = new Error(`cannot reach smtps://mailer:hunter2@smtp.example.com:465 ${'x'.repeat(5_000)}`);
    const { reason } = describeSendFailure(error);
    expect(reason).not.toContain('hunter2');
    expect(reason).toContain('smtps://smtp.example.com:465');
    expect(reason.length).toBe(1_000);
  });
});
