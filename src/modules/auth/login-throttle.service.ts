import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { ThrottleRepository } from './throttle.repository';

/** Failed password checks allowed per (email, client IP) in a window… */
export const CLIENT_FAILURE_LIMIT = 10;
export const CLIENT_FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** …and per email, from all clients together (LOGIN_FAILURES_PER_ACCOUNT of them). */
export const ACCOUNT_FAILURE_WINDOW_MS = 60 * 60 * 1000;
const SIGNUP_WINDOW_MS = 60 * 60 * 1000;

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

  /** A signup from this client, or 429 `too_many_requests` past SIGNUPS_PER_CLIENT_PER_HOUR. */
  async signup(clientIp: string): Promise<void> {
    const slot = await this.attempts.reserve(
      `signup-ip:${clientIp}`,
      this.config.env.SIGNUPS_PER_CLIENT_PER_HOUR,
      SIGNUP_WINDOW_MS,
    );
    if (!slot.granted) {
      const retryAfter = secondsUntil(slot.windowEndsAt);
      throw new DomainError(
        'too_many_requests',
        `Too many signups from this address. Try again in ${retryAfter} seconds.`,
        { retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
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

function tooManyAttempts(windowEndsAt: Date): DomainError {
  const retryAfter = secondsUntil(windowEndsAt);
  return new DomainError(
    'too_many_attempts',
    `Too many failed logins for this account. Try again in ${retryAfter} seconds.`,
    { retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
