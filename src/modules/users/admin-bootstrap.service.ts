import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { ConfigurationError } from '../../config/configuration-error';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy.service';
import { UsersRepository } from './users.repository';

/** Makes the ADMIN_EMAIL/ADMIN_PASSWORD account exist, as an admin with that password. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersRepository,
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
    if (!existing) {
      const passwordHash = await this.hasher.hash(admin.password);
      await this.users.create({ email: admin.email, passwordHash, role: 'admin' });
      this.logger.log(`created admin account ${admin.email}`);
      return;
    }
    const passwordMatches = await this.hasher.verify(existing.passwordHash, admin.password);
    if (existing.role === 'admin' && passwordMatches) return;
    await this.users.update(existing.id, {
      role: 'admin',
      ...(passwordMatches ? {} : { passwordHash: await this.hasher.hash(admin.password) }),
    });
    this.logger.log(`promoted ${admin.email} to admin`);
  }
}
