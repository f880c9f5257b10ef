import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { ConfigurationError } from '../../config/configuration-error';
import { User } from '../../generated/prisma/client';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy.service';
import { UsersService } from './users.service';

/**
 * Creates the ADMIN_EMAIL/ADMIN_PASSWORD account, as an admin, when no account has that email. It never
 * adopts an existing account: whoever signed up with that email first (and made keys) would otherwise
 * become admin on the next restart. Promoting an account is the operator's deliberate act
 * (`npm run admin -- promote <email>`). ADMIN_PASSWORD only sets the password of the account it creates:
 * a password changed since then is not reverted by a restart.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly passwordPolicy: PasswordPolicy,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin) return;
    // Refused even when the account already has it: the most powerful account gets no weaker password.
    const weakness = this.passwordPolicy.weakness(admin.password, admin.email);
    if (weakness) {
      throw new ConfigurationError(`Invalid configuration: ADMIN_PASSWORD refused. ${weakness.detail}`);
    }
    const existing = await this.users.findByEmail(admin.email);
    if (existing) return this.refuseToAdopt(existing);

    const passwordHash = await this.hasher.hash(admin.password);
    // The operator chose the address: there is nobody to send a verification link to but themselves.
    const created = await this.users.register({
      email: admin.email,
      passwordHash,
      role: 'admin',
      emailVerifiedAt: new Date(),
    });
    if (created) {
      this.logger.log(`created admin account ${admin.email}`);
      return;
    }
    // Another instance booting at the same time, or a signup, took the email in between.
    const winner = await this.users.findByEmail(admin.email);
    if (winner) this.refuseToAdopt(winner);
  }

  private refuseToAdopt(account: User): void {
    if (account.role === 'admin') return;
    this.logger.error(
      `ADMIN_EMAIL ${account.email} belongs to an existing account that is not an admin: it was not ` +
        `promoted, and the service runs without that admin. To promote it deliberately (its API keys ` +
        `are revoked): npm run admin -- promote ${account.email}`,
    );
  }
}
