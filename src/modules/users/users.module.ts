import { Module } from '@nestjs/common';

import { AdminBootstrapService } from './admin-bootstrap.service';
import { MeController } from './me.controller';
import { PasswordHasher } from './password-hasher';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  controllers: [MeController],
  providers: [UsersRepository, UsersService, PasswordHasher, AdminBootstrapService],
  exports: [UsersRepository, UsersService, PasswordHasher],
})
export class UsersModule {}
