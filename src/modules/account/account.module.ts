import { Module } from '@nestjs/common';

import { PaywallModule } from '../paywall/paywall.module';
import { UsersModule } from '../users/users.module';
import { AccountService } from './account.service';
import { MeController } from './me.controller';

/** `/v1/me`: what the calling user reads and (Part 2) changes about their own account. */
@Module({
  imports: [UsersModule, PaywallModule],
  controllers: [MeController],
  providers: [AccountService],
})
export class AccountModule {}
