import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { LoginAttemptsRepository } from './login-attempts.repository';

export const LOGIN_FAILURE_LIMIT = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000;

@Injectable()
export class LoginThrottleService {
  constructor(private readonly attempts: LoginAttemptsRepository) {}

  async assertAllowed(email: string): Promise<void> {
    const since = new Date(Date.now() - LOGIN_FAILURE_WINDOW_MS);
    const { count, oldest } = await this.attempts.recentFailures(email, since);
    if (count < LOGIN_FAILURE_LIMIT || !oldest) return;
    const retryAfter = Math.max(
      1,
      Math.ceil((oldest.getTime() + LOGIN_FAILURE_WINDOW_MS - Date.now()) / 1000),
    );
    throw new DomainError(
      'too_many_attempts',
      `Too many failed logins for this account. Try again in ${retryAfter} seconds.`,
      { retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }

  recordFailure(email: string): Promise<void> {
    return this.attempts.recordFailure(email);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.attempts.clear(email);
    await this.attempts.deleteExpired(new Date(Date.now() - LOGIN_FAILURE_WINDOW_MS));
  }
}
