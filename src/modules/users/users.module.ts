import { Module } from '@nestjs/common';

import { SessionsModule } from '../sessions/sessions.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [SessionsModule],
  providers: [UsersRepository, UsersService, PasswordHasher, PasswordPolicy, AdminBootstrapService],
  exports: [UsersService, PasswordHasher, PasswordPolicy],
})
export class UsersModule {}
