/**
 * When a mail that could not be sent is tried again, and when it is given up. Retries back off
 * exponentially but never wait more than MAX_RETRY_DELAY_MS, so once an SMTP outage ends every
 * waiting mail is tried again within that time (plus one worker interval): within 60 s.
 */
export const MAX_RETRY_DELAY_MS = 30_000;

export interface SendFailure {
  /** The server refused the message for good (a 5xx reply): trying again would get the same answer. */
  permanent: boolean;
  /** For the outbox row and the logs: the reply or the network error, never a credential. */
  reason: string;
}

export type NextStep = { kind: 'retry'; at: Date } | { kind: 'give-up'; reason: 'rejected' | 'expired' };

export interface RetryPolicy {
  baseDelayMs: number;
  /** A mail this old after a failed attempt is given up. */
  giveUpAfterMs: number;
}

/** The wait before attempt `attempts + 1`: base × 2^(attempts − 1), capped, shortened by up to a quarter at random. */
export function retryDelayMs(
  attempts: number,
  baseDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponential = baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30);
  const capped = Math.min(exponential, MAX_RETRY_DELAY_MS);
  // Jitter spreads the retries of a backlog after an outage; it only ever shortens, so the cap holds.
  return Math.round(capped * (1 - 0.25 * random()));
}

export function nextStepAfterFailure(
  failure: SendFailure,
  mail: { attempts: number; createdAt: Date },
  now: Date,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  if (failure.permanent) return { kind: 'give-up', reason: 'rejected' };
  if (now.getTime() - mail.createdAt.getTime() >= policy.giveUpAfterMs)
    return { kind: 'give-up', reason: 'expired' };
  return {
    kind: 'retry',
    at: new Date(now.getTime() + retryDelayMs(mail.attempts, policy.baseDelayMs, random)),
  };
}

/** What nodemailer's error says, as a SendFailure. */
export function describeSendFailure(error: unknown): SendFailure {
  const details = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    code?: unknown;
    responseCode?: unknown;
    permanent?: unknown;
  };
  const message = typeof details.message === 'string' ? details.message : String(error);
  const code = typeof details.code === 'string' ? `${details.code}: ` : '';
  // 5xx except 503 (nodemailer's `permanent`). A refused login (535) is the configuration's fault, not
  // the message's: it is retried until an operator fixes SMTP_URL or the mail is too old.
  const permanent = details.permanent === true && details.code !== 'EAUTH';
  return { permanent, reason: withoutCredentials(`${code}${message}`).slice(0, 1000) };
}

/** Drops a `user:password@` that a URL in an error message might carry. */
function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^/\s@]*@/g, '//');
}
