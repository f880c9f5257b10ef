import { Module } from '@nestjs/common';

import { AuditModule } from '../audit/audit.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [AuditModule],
  providers: [UsersRepository, UsersService, PasswordHasher, PasswordPolicy, AdminBootstrapService],
  exports: [UsersService, PasswordHasher, PasswordPolicy],
})
export class UsersModule {}
