import { forwardRef, Module } from '@nestjs/common';

import { ApiKeysModule } from '../api-keys/api-keys.module';
import { MailModule } from '../mail/mail.module';
import { PaywallModule } from '../paywall/paywall.module';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';
import { MembershipChanges } from './membership-changes';
import { UserAccountsService } from './user-accounts.service';

/**
 * Accounts (personal and teams), their members and invitations under `/v1/accounts` and
 * `/v1/invitations`; `UserAccountsService` gives the users, auth and `/v1/me` modules a user's accounts.
 * Users need accounts (a personal one each) and invitations need users (the inviter's verified email):
 * the two modules refer to each other through `forwardRef`.
 */
@Module({
  imports: [ApiKeysModule, MailModule, PaywallModule, forwardRef(() => UsersModule)],
  controllers: [AccountsController, InvitationsController],
  providers: [
    AccountsRepository,
    AccountsService,
    UserAccountsService,
    InvitationsRepository,
    InvitationsService,
    MembershipChanges,
  ],
  exports: [UserAccountsService, MembershipChanges],
})
export class AccountsModule {}
