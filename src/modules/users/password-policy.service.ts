import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { breachedPasswords } from './breached-passwords';
import { PasswordWeakness, passwordWeakness } from './password-policy';

/** The password policy, applied wherever a password is set (never at login: older passwords still log in). */
@Injectable()
export class PasswordPolicy {
  // Read at boot, so that the first signup does not pay for it and a missing file stops the boot.
  private readonly breached = breachedPasswords();

  constructor(private readonly config: AppConfig) {}

  weakness(password: string, email: string): PasswordWeakness | null {
    return passwordWeakness(password, email, {
      minLength: this.config.env.PASSWORD_MIN_LENGTH,
      breached: this.breached,
    });
  }

  /** Throws 400 `weak_password` naming the rule that failed. */
  assertAcceptable(password: string, email: string): void {
    const weakness = this.weakness(password, email);
    if (weakness) throw new DomainError('weak_password', weakness.detail);
  }
}
