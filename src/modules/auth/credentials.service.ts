import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { DomainError } from '../../common/errors/domain-error';
import { OneTimeTokenPurpose, Prisma, User } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { MailOutbox } from '../mail/mail-outbox.service';
import type { OutgoingMail } from '../mail/mail.types';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AuditLog } from '../audit/audit-log.service';
import { SessionsService } from '../sessions/sessions.service';
import { invalidLinkToken } from '../users/link-tokens';
import { OneTimeTokens } from '../users/one-time-tokens.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy.service';
import { toUserDto, UsersService } from '../users/users.service';
import { UserDto } from '../users/user.dto';
import type { AuthenticatedUser } from './identity';
import { LoginThrottleService, tooManyRequests } from './login-throttle.service';

/**
 * What a user does with their email address and password besides signing in: confirm the address,
 * reset a forgotten password, change either. Every mail is written to the outbox in the transaction of
 * the change that causes it, and every link carries a single-use token stored hashed.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: OneTimeTokens,
    private readonly mail: MailOutbox,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottleService,
    private readonly hasher: PasswordHasher,
    private readonly passwordPolicy: PasswordPolicy,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
  ) {}

  /** Creates the user and, in the same transaction, the mail that asks them to confirm the address. */
  register(data: { email: string; name?: string; passwordHash: string }): Promise<User | null> {
    return this.changes.transaction(async (tx) => {
      const user = await this.users.register(data, tx);
      if (user) await this.mailVerification(user, `signup:${user.id}`, tx);
      return user;
    });
  }

  async verifyEmail(token: string, origin: RequestOrigin): Promise<UserDto> {
    const user = await this.changes.transaction(async (tx) => {
      const spent = await this.tokens.consume(token, 'verify_email', tx);
      const user = spent && (await this.users.findInTransaction(spent.userId, tx));
      // A link to an address the account no longer has confirms nothing.
      if (!spent || !user || user.deletedAt || user.email !== spent.email) throw invalidLinkToken();
      await this.users.markEmailVerified(user.id, tx);
      await this.audit.record('email.verified', { actorId: user.id, subjectId: user.id, origin }, tx);
      return { ...user, emailVerifiedAt: new Date() };
    });
    return toUserDto(user);
  }

  async resendVerification(caller: AuthenticatedUser, client: RequestOrigin): Promise<void> {
    await this.throttle.perClient('verification-resend', client.ip);
    const user = await this.users.findWithPassword(caller.id);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    if (user.emailVerifiedAt) {
      throw new DomainError('email_already_verified', 'This email address is confirmed already.');
    }
    const slot = await this.throttle.mailToAddress('verify-email', user.email);
    if (!slot.granted) throw tooManyRequests(slot.windowEndsAt, 'for this address');
    await this.changes.transaction((tx) => this.mailVerification(user, `verify-email:${randomUUID()}`, tx));
  }

  /**
   * Mails a reset link when an account has this email. The answer never says whether one does; a few
   * mails an hour per address at most, whoever asks.
   */
  async forgotPassword(email: string, client: RequestOrigin): Promise<void> {
    await this.throttle.perClient('password-forgot', client.ip);
    const user = await this.users.findByEmail(email);
    if (!user || user.disabledAt) return;
    if (!(await this.throttle.mailToAddress('password-reset', user.email)).granted) return;
    await this.changes.transaction(async (tx) => {
      await this.mailLink(user, 'reset_password', user.email, tx, (token) => ({
        template: 'password-reset',
        cause: `password-reset:${randomUUID()}`,
        params: { name: user.name, token },
      }));
      await this.audit.record('password.reset_requested', { subjectId: user.id, origin: client }, tx);
    });
  }

  /** Sets the new password and ends every session of the user (whoever had them). */
  async resetPassword(token: string, password: string, origin: RequestOrigin): Promise<void> {
    await this.changes.transaction(async (tx) => {
      const spent = await this.tokens.consume(token, 'reset_password', tx);
      const user = spent && (await this.users.findInTransaction(spent.userId, tx));
      if (!spent || !user || user.disabledAt || user.email !== spent.email) throw invalidLinkToken();
      // Refused before anything is written: the transaction rolls back and the link still works.
      this.passwordPolicy.assertAcceptable(password, user.email);
      await this.users.setPassword(user.id, await this.hasher.hash(password), tx);
      // Following the link proved the mailbox is theirs.
      if (!user.emailVerifiedAt) await this.users.markEmailVerified(user.id, tx);
      await this.sessions.end({ userId: user.id }, 'password_reset', { tx });
      await this.mailPasswordChanged(user, tx);
      await this.audit.record('password.reset', { actorId: user.id, subjectId: user.id, origin }, tx);
    });
  }

  /** A new password for the signed-in user: their other sessions end, and a notice goes to their address. */
  async changePassword(
    caller: AuthenticatedUser,
    current: string,
    next: string,
    client: RequestOrigin,
  ): Promise<void> {
    this.assertSignedIn(caller);
    const user = await this.confirmPassword(caller.id, current, client);
    this.passwordPolicy.assertAcceptable(next, user.email);
    const passwordHash = await this.hasher.hash(next);
    await this.changes.transaction(async (tx) => {
      await this.users.setPassword(user.id, passwordHash, tx);
      await this.sessions.end({ userId: user.id, exceptSessionId: caller.sessionId }, 'password_changed', {
        tx,
      });
      await this.mailPasswordChanged(user, tx);
      await this.audit.record(
        'password.changed',
        { actorId: user.id, subjectId: user.id, origin: client },
        tx,
      );
    });
  }

  /** Mails a confirmation link to the new address; nothing changes until it is followed. */
  async requestEmailChange(
    caller: AuthenticatedUser,
    email: string,
    password: string,
    client: RequestOrigin,
  ): Promise<void> {
    this.assertSignedIn(caller);
    const user = await this.confirmPassword(caller.id, password, client);
    if (email === user.email) {
      throw DomainError.validation([{ field: 'email', message: 'email is your address already' }]);
    }
    if (await this.users.findByEmail(email)) throw emailTaken();
    const slot = await this.throttle.mailToAddress('email-change', email);
    if (!slot.granted) throw tooManyRequests(slot.windowEndsAt, 'for this address');
    await this.changes.transaction(async (tx) => {
      await this.mailLink(user, 'change_email', email, tx, (token) => ({
        template: 'email-change-confirm',
        cause: `email-change:${randomUUID()}`,
        params: { name: user.name, newEmail: email, token },
      }));
      await this.audit.record(
        'email.change_requested',
        { actorId: user.id, subjectId: user.id, origin: client },
        tx,
      );
    });
  }

  /** Makes the change a link confirmed; the old address is told. */
  async confirmEmailChange(
    caller: AuthenticatedUser,
    token: string,
    origin: RequestOrigin,
  ): Promise<UserDto> {
    const updated = await this.changes.transaction(async (tx) => {
      const spent = await this.tokens.consume(token, 'change_email', tx);
      const user = spent && spent.userId === caller.id && (await this.users.findInTransaction(caller.id, tx));
      if (!spent || !user || user.deletedAt) throw invalidLinkToken();
      if (!(await this.users.changeEmail(user.id, spent.email, tx))) throw emailTaken();
      await this.mail.enqueue(
        {
          template: 'email-changed',
          to: user.email,
          cause: `email-changed:${randomUUID()}`,
          userId: user.id,
          params: { name: user.name, newEmail: spent.email, changedAt: new Date().toISOString() },
        },
        tx,
      );
      await this.changes.publish({ kind: 'identity', userId: user.id }, tx);
      await this.audit.record('email.changed', { actorId: user.id, subjectId: user.id, origin }, tx);
      return { ...user, email: spent.email, emailVerifiedAt: new Date() };
    });
    return toUserDto(updated);
  }

  private mailVerification(user: User, cause: string, tx: Prisma.TransactionClient): Promise<void> {
    return this.mailLink(user, 'verify_email', user.email, tx, (token) => ({
      template: 'verify-email',
      cause,
      params: { name: user.name, token },
    }));
  }

  /** A mail with a link carrying a new single-use token for `address` (it replaces the user's earlier one). */
  private async mailLink(
    user: User,
    purpose: OneTimeTokenPurpose,
    address: string,
    tx: Prisma.TransactionClient,
    compose: (token: string) => DistributiveOmit<OutgoingMail, 'to' | 'userId'>,
  ): Promise<void> {
    const token = await this.tokens.issue(user.id, purpose, address, tx);
    await this.mail.enqueue({ ...compose(token), to: address, userId: user.id }, tx);
  }

  private async mailPasswordChanged(user: User, tx: Prisma.TransactionClient): Promise<void> {
    await this.mail.enqueue(
      {
        template: 'password-changed',
        to: user.email,
        cause: `password-changed:${randomUUID()}`,
        userId: user.id,
        params: { name: user.name, changedAt: new Date().toISOString() },
      },
      tx,
    );
  }

  private assertSignedIn(caller: AuthenticatedUser): void {
    if (caller.apiKey) {
      throw new DomainError(
        'forbidden_for_api_key',
        'Sign in with your password to change it or your email.',
      );
    }
  }

  /**
   * The signed-in user proves it is them before a sensitive change (new password or email, deletion):
   * throttled like a login. 403 `wrong_password` when it is not their password.
   */
  async confirmPassword(userId: string, password: string, client: RequestOrigin): Promise<User> {
    const user = await this.users.findWithPassword(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    const check = await this.throttle.reserve(user.email, client.ip);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      throw new DomainError('wrong_password', 'That is not your current password.');
    }
    await this.throttle.succeeded(check);
    return user;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function emailTaken(): DomainError {
  return new DomainError('email_taken', 'An account with this email already exists.');
}
