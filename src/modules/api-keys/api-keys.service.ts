import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { Prisma } from '../../generated/prisma/client';
import { accountNotFound } from '../accounts/account-errors';
import { AuditLog } from '../audit/audit-log.service';
import { API_KEY_SCOPES, ApiKeyScope, AuthenticatedUser } from '../auth/identity';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { MailOutbox } from '../mail/mail-outbox.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto';
import { ApiKeysRepository, ListedApiKey } from './api-keys.repository';

const KEY_PREFIX = 'tg_';
const LAST_USED_RESOLUTION_MS = 60_000;
const DEFAULT_SCOPES: ApiKeyScope[] = ['read', 'write', 'billing'];
export const MAX_LIVE_KEYS = 25;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly changes: ChangeFeed,
    private readonly mail: MailOutbox,
    private readonly audit: AuditLog,
  ) {}

  async create(
    caller: AuthenticatedUser,
    input: CreateApiKeyDto,
    origin: RequestOrigin,
  ): Promise<CreatedApiKeyDto> {
    if (caller.apiKey) {
      throw new DomainError('forbidden_for_api_key', 'API keys cannot create keys; sign in to create one.');
    }
    const scopes = input.scopes ?? DEFAULT_SCOPES;
    if (scopes.includes('admin') && caller.role !== 'admin') {
      throw new DomainError('forbidden', 'Only admins can give a key the admin scope.');
    }
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= new Date()) {
      throw DomainError.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const record = await this.changes.transaction(async (tx) => {
      const created = await this.apiKeys.createWithinCap(
        {
          userId: caller.id,
          accountId: caller.account.id,
          name: input.name,
          prefix: key.slice(0, 10),
          keyHash: hashApiKey(key),
          scopes,
          expiresAt,
        },
        MAX_LIVE_KEYS,
        tx,
      );
      if (created) {
        // The owner hears of every new key, so one made by someone else does not go unnoticed.
        await this.mail.enqueue(
          {
            template: 'api-key-created',
            to: caller.email,
            cause: `api_key.created:${created.id}`,
            userId: caller.id,
            params: {
              keyName: created.name,
              keyPrefix: created.prefix,
              scopes: created.scopes,
              createdAt: created.createdAt.toISOString(),
            },
          },
          tx,
        );
        await this.audit.record(
          'api_key.created',
          {
            actorId: caller.id,
            subjectId: caller.id,
            origin,
            details: { apiKeyId: created.id, scopes, accountId: caller.account.id },
          },
          tx,
        );
      }
      return created;
    });
    if (!record) {
      throw new DomainError('too_many_keys', `You have ${MAX_LIVE_KEYS} live API keys; revoke one first.`);
    }
    return { ...toApiKeyDto(record), key };
  }

  async list(userId: string): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.listActive(userId)).map(toApiKeyDto);
  }

  async revoke(userId: string, id: string, origin: RequestOrigin): Promise<void> {
    const revoked = await this.apiKeys.revoke(userId, id, (apiKeyId, tx) =>
      this.audit.record(
        'api_key.revoked',
        { actorId: userId, subjectId: userId, origin, details: { apiKeyId } },
        tx,
      ),
    );
    if (!revoked) throw new DomainError('not_found', 'No such API key.');
  }

  /** Revokes all the user's keys (in the caller's transaction); the number revoked. */
  revokeAll(userId: string, tx?: Prisma.TransactionClient): Promise<number> {
    return this.apiKeys.revokeAllOf(userId, tx);
  }

  /** Revokes the user's keys for an account they no longer belong to, in the caller's transaction. */
  revokeForAccount(userId: string, accountId: string, tx: Prisma.TransactionClient): Promise<number> {
    return this.apiKeys.revokeForAccount(userId, accountId, tx);
  }

  /**
   * The caller a key names, acting for the key's account: null (401) when the key is unknown, revoked
   * or expired, or its user disabled or no longer a member of that account. An X-Account-Id naming
   * another account answers 404 `account_not_found`: a key acts only for its own.
   */
  async authenticate(
    key: string,
    accountHeader: string | string[] | undefined,
  ): Promise<AuthenticatedUser | null> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 100) return null;
    const record = await this.apiKeys.findUsableByHash(hashApiKey(key));
    if (!record) return null;
    if (
      accountHeader !== undefined &&
      (typeof accountHeader !== 'string' || accountHeader.toLowerCase() !== record.accountId)
    ) {
      throw accountNotFound();
    }
    this.apiKeys
      .touch(record.id, new Date(Date.now() - LAST_USED_RESOLUTION_MS))
      .catch((error: Error) => this.logger.warn(`could not record API key use: ${error.message}`));
    return {
      id: record.userId,
      email: record.email,
      role: record.role,
      account: { id: record.accountId, role: record.accountRole, personal: record.accountPersonal },
      apiKey: { id: record.id, scopes: record.scopes.filter(isScope) },
    };
  }
}

/** API keys carry 256 random bits, so a plain SHA-256 is a safe and fast lookup hash. */
function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toApiKeyDto(record: ListedApiKey): ApiKeyDto {
  return {
    id: record.id,
    name: record.name,
    accountId: record.accountId,
    prefix: record.prefix,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    scopes: record.scopes.filter(isScope),
    expiresAt: record.expiresAt?.toISOString() ?? null,
  };
}

function isScope(scope: string): scope is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(scope);
}
