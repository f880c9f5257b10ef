import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { Reservation, ThrottleRepository } from './throttle.repository';

/** Failed password checks allowed per (email, client IP) in a window… */
export const CLIENT_FAILURE_LIMIT = 10;
export const CLIENT_FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** …and per email, from all clients together (LOGIN_FAILURES_PER_ACCOUNT of them). */
export const ACCOUNT_FAILURE_WINDOW_MS = 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
/** Mails of one kind sent to one address in an hour, whoever asks (no mail-bombing through us). */
export const MAILS_PER_ADDRESS_PER_HOUR = 3;

/** Requests limited per client IP and hour: each has its own counter. */
export type ClientLimitedRequest = 'signup' | 'password-forgot' | 'verification-resend';

/** What `reserve` took, to settle once the password has been checked. */
export interface PasswordCheck {
  clientKey: string;
  accountKey: string;
  /** Whether the per-account window had a slot for this check. */
  accountSlot: boolean;
}

/**
 * Login throttling that holds under concurrency: a slot is taken before the password is checked
 * (never count-then-verify), per (email, client IP) and per email. A stranger's failures never
 * lock the owner out: the per-account cap stops only clients that have failed themselves, and a
 * right password gives its slots back.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly config: AppConfig,
    private readonly attempts: ThrottleRepository,
  ) {}

  async reserve(email: string, clientIp: string): Promise<PasswordCheck> {
    const check = { clientKey: `email-ip:${email} ${clientIp}`, accountKey: `email:${email}` };
    const client = await this.attempts.reserve(
      check.clientKey,
      CLIENT_FAILURE_LIMIT,
      CLIENT_FAILURE_WINDOW_MS,
    );
    if (!client.granted) throw tooManyAttempts(client.windowEndsAt);
    const account = await this.attempts.reserve(
      check.accountKey,
      this.config.env.LOGIN_FAILURES_PER_ACCOUNT,
      ACCOUNT_FAILURE_WINDOW_MS,
    );
    if (!account.granted && client.attempts > 1) {
      await this.attempts.release(check.clientKey);
      throw tooManyAttempts(account.windowEndsAt);
    }
    return { ...check, accountSlot: account.granted };
  }

  /**
   * One more request of this kind from this client, or 429 `too_many_requests` past its hourly limit
   * (SIGNUPS_PER_CLIENT_PER_HOUR, MAIL_REQUESTS_PER_CLIENT_PER_HOUR).
   */
  async perClient(request: ClientLimitedRequest, clientIp: string): Promise<void> {
    const limit =
      request === 'signup'
        ? this.config.env.SIGNUPS_PER_CLIENT_PER_HOUR
        : this.config.env.MAIL_REQUESTS_PER_CLIENT_PER_HOUR;
    const slot = await this.attempts.reserve(`${request}-ip:${clientIp}`, limit, HOUR_MS);
    if (!slot.granted) throw tooManyRequests(slot.windowEndsAt, 'from this address');
  }

  /**
   * Whether one more mail of this kind may go to this address this hour. Callers that must not reveal
   * whether an account exists skip the mail silently instead of answering 429.
   */
  async mailToAddress(kind: string, email: string): Promise<Reservation> {
    return this.attempts.reserve(`${kind}-mail:${email}`, MAILS_PER_ADDRESS_PER_HOUR, HOUR_MS);
  }

  /** The password was right: this client's failures are forgiven and the account's slot given back. */
  async succeeded(check: PasswordCheck): Promise<void> {
    await this.attempts.clear(check.clientKey);
    if (check.accountSlot) await this.attempts.release(check.accountKey);
    await this.attempts.deleteExpired(new Date(Date.now() - ACCOUNT_FAILURE_WINDOW_MS));
  }
}

function secondsUntil(moment: Date): number {
  return Math.max(1, Math.ceil((moment.getTime() - Date.now()) / 1000));
}

export function tooManyRequests(windowEndsAt: Date, from: string): DomainError {
  const retryAfter = secondsUntil(windowEndsAt);
  return new DomainError(
    'too_many_requests',
    `Too many requests ${from}. Try again in ${retryAfter} seconds.`,
    { retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}

function tooManyAttempts(windowEndsAt: Date): DomainError {
  const retryAfter = secondsUntil(windowEndsAt);
  return new DomainError(
    'too_many_attempts',
    `Too many failed logins for this account. Try again in ${retryAfter} seconds.`,
    { retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
