import { forwardRef, Module } from '@nestjs/common';

import { AccountsModule } from '../accounts/accounts.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AuditModule } from '../audit/audit.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { OneTimeTokensRepository } from './one-time-tokens.repository';
import { OneTimeTokens } from './one-time-tokens.service';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [SessionsModule, AuditModule, forwardRef(() => AccountsModule)],
  providers: [
    UsersRepository,
    UsersService,
    PasswordHasher,
    PasswordPolicy,
    AdminBootstrapService,
    OneTimeTokensRepository,
    OneTimeTokens,
  ],
  exports: [UsersService, PasswordHasher, PasswordPolicy, OneTimeTokens],
})
export class UsersModule {}
