import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { AccountRole, ApiKey, Prisma, Role } from '../../generated/prisma/client';
import { LIVE_KEYS } from './live-keys.sql';

export interface NewApiKey {
  userId: string;
  accountId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
}

export interface UsableApiKey {
  id: string;
  scopes: string[];
  userId: string;
  email: string;
  role: Role;
  accountId: string;
  accountRole: AccountRole;
  accountPersonal: boolean;
}

/** Runs within the transaction that makes the change, so both commit or neither does. */
export type InSameTransaction<T> = (changed: T, tx: Prisma.TransactionClient) => Promise<void>;

/** A key as its owner lists it (never its hash). */
export type ListedApiKey = Pick<
  ApiKey,
  'id' | 'name' | 'accountId' | 'prefix' | 'createdAt' | 'lastUsedAt' | 'scopes' | 'expiresAt'
>;

/** Not revoked and not expired. */
function liveAt(now: Date) {
  return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates the key in `tx` unless the user has `cap` live ones already (null then). Creates for one
   * user queue on a lock held until `tx` ends, so concurrent ones cannot pass the cap.
   */
  async createWithinCap(key: NewApiKey, cap: number, tx: Prisma.TransactionClient): Promise<ApiKey | null> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`api-keys:${key.userId}`}, 0))`;
    const live = await tx.apiKey.count({ where: { userId: key.userId, ...liveAt(new Date()) } });
    return live >= cap ? null : tx.apiKey.create({ data: key });
  }

  /** The user's live keys, newest first: a prepared statement (GET /v1/api-keys). */
  listActive(userId: string): Promise<ListedApiKey[]> {
    return this.prisma.prepared<ListedApiKey>('api-keys-live', LIVE_KEYS, [userId]);
  }

  /**
   * The live key with this hash and who uses it, in one query: none when its user is disabled or no
   * longer a member of the key's account.
   */
  async findUsableByHash(keyHash: string): Promise<UsableApiKey | null> {
    const rows = await this.prisma.$queryRaw<UsableApiKey[]>`
      SELECT k.id, k.scopes, k.user_id AS "userId", u.email, u.role, k.account_id AS "accountId",
             m.role AS "accountRole", a.personal AS "accountPersonal"
        FROM api_keys k
        JOIN users u ON u.id = k.user_id
        JOIN memberships m ON m.account_id = k.account_id AND m.user_id = k.user_id
        JOIN accounts a ON a.id = k.account_id
       WHERE k.key_hash = ${keyHash} AND k.revoked_at IS NULL
         AND (k.expires_at IS NULL OR k.expires_at > now()) AND u.disabled_at IS NULL`;
    return rows[0] ?? null;
  }

  /** False when the user has no such active key. */
  revoke(userId: string, id: string, then: InSameTransaction<string>): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id, userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (count === 1) await then(id, tx);
      return count === 1;
    });
  }

  /** Revokes every active key of the user; answers how many. */
  async revokeAllOf(userId: string, tx: Prisma.TransactionClient = this.prisma): Promise<number> {
    const { count } = await tx.apiKey.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  /** Revokes the user's keys that act for the account (they left it); answers how many. */
  async revokeForAccount(userId: string, accountId: string, tx: Prisma.TransactionClient): Promise<number> {
    const { count } = await tx.apiKey.updateMany({
      where: { userId, accountId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  async touch(id: string, staleBefore: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: new Date() },
    });
  }
}
