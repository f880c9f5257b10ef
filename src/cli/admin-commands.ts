import { Prisma, Role, User } from '../generated/prisma/client';
import { ApiKeysRepository } from '../modules/api-keys/api-keys.repository';
import { SessionsRepository } from '../modules/sessions/sessions.repository';
import { AuditLog } from '../modules/audit/audit-log.service';
import { UsersRepository } from '../modules/users/users.repository';

export type TransactionRunner = <T>(work: (tx: Prisma.TransactionClient) => Promise<T>) => Promise<T>;
/** Tells the running servers, when the transaction commits, that the user's role changed. */
export type IdentityAnnouncer = (userId: string, tx: Prisma.TransactionClient) => Promise<void>;

/** A refusal the operator can act on: printed as one line, exit code 1. */
export class AdminCommandError extends Error {}

/** The operator's role changes (`npm run admin -- <command> <email>`), outside the running servers. */
export class AdminCommands {
  constructor(
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: SessionsRepository,
    private readonly inTransaction: TransactionRunner,
    private readonly announce: IdentityAnnouncer,
    private readonly audit: AuditLog,
  ) {}

  /** Makes the account an admin, ending the access it had before: whoever held it then keeps nothing. */
  async promote(email: string): Promise<string> {
    const user = await this.account(email);
    if (user.role === 'admin') return `${user.email} is already an admin; nothing changed.`;
    const ended = await this.inTransaction(async (tx) => {
      await this.users.setRole(user.id, 'admin', tx);
      await this.announce(user.id, tx);
      const ended = await this.endAccess(user.id, tx);
      await this.recordRoleChange(
        user,
        'admin',
        { apiKeysRevoked: ended.keys, sessionsEnded: ended.sessions },
        tx,
      );
      return ended;
    });
    return `${user.email} is now an admin; ${ended.sessions} session(s) ended and ${ended.keys} API key(s) revoked (on every server within a second): sign in again.`;
  }

  async demote(email: string): Promise<string> {
    const user = await this.account(email);
    if (user.role !== 'admin') return `${user.email} is not an admin; nothing changed.`;
    await this.inTransaction(async (tx) => {
      if ((await this.users.countAdmins(tx)) <= 1) {
        throw new AdminCommandError(`${user.email} is the last admin: promote another account first.`);
      }
      await this.users.setRole(user.id, 'user', tx);
      await this.announce(user.id, tx);
      await this.recordRoleChange(user, 'user', {}, tx);
    });
    return `${user.email} is no longer an admin; its tokens and keys act as a user within a second.`;
  }

  /** Ends every way the account is signed in (sessions and API keys), within the role change's transaction. */
  private async endAccess(
    userId: string,
    tx: Prisma.TransactionClient,
  ): Promise<{ sessions: number; keys: number }> {
    const sessions = await this.sessions.end({ userId }, 'promoted', tx);
    return { sessions, keys: await this.apiKeys.revokeAllOf(userId, tx) };
  }

  /** The operator is nobody the service knows: no actor, and `via: 'cli'` says where it came from. */
  private recordRoleChange(
    user: User,
    role: Role,
    extra: { apiKeysRevoked?: number; sessionsEnded?: number },
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    return this.audit.record(
      'user.role_changed',
      { actorId: null, subjectId: user.id, details: { role, previousRole: user.role, via: 'cli', ...extra } },
      tx,
    );
  }

  private async account(email: string): Promise<User> {
    const user = await this.users.findByEmail(email.trim().toLowerCase());
    if (!user) throw new AdminCommandError(`No account has the email ${email}.`);
    return user;
  }
}
