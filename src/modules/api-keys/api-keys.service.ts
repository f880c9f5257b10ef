import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

import { DomainError } from '../../common/errors/domain-error';
import { ApiKey } from '../../generated/prisma/client';
import { AuthenticatedUser } from '../auth/identity';
import { ApiKeyDto, CreatedApiKeyDto } from './api-key.dto';
import { ApiKeysRepository } from './api-keys.repository';

const KEY_PREFIX = 'tg_';
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(private readonly apiKeys: ApiKeysRepository) {}

  async create(userId: string, name: string): Promise<CreatedApiKeyDto> {
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const record = await this.apiKeys.create({
      userId,
      name,
      prefix: key.slice(0, 10),
      keyHash: hashApiKey(key),
    });
    return { ...toApiKeyDto(record), key };
  }

  async list(userId: string): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.listActive(userId)).map(toApiKeyDto);
  }

  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.apiKeys.revoke(userId, id))) throw new DomainError('not_found', 'No such API key.');
  }

  async authenticate(key: string): Promise<AuthenticatedUser | null> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 100) return null;
    const record = await this.apiKeys.findActiveByHash(hashApiKey(key));
    if (!record) return null;
    this.apiKeys
      .touch(record.id, new Date(Date.now() - LAST_USED_RESOLUTION_MS))
      .catch((error: Error) => this.logger.warn(`could not record API key use: ${error.message}`));
    return { id: record.user.id, email: record.user.email, role: record.user.role };
  }
}

/** API keys carry 256 random bits, so a plain SHA-256 is a safe and fast lookup hash. */
function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toApiKeyDto(record: ApiKey): ApiKeyDto {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  };
}
