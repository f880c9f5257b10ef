import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { Grant } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { EntitlementsRepository } from './entitlements.repository';
import { CreateGrantDto, GrantDto } from './grant.dto';
import { GrantsRepository } from './grants.repository';

/** Admin comps: a feature opened for one user, whatever the plan, until it expires or is revoked. */
@Injectable()
export class GrantsService {
  constructor(
    private readonly grants: GrantsRepository,
    private readonly audit: EntitlementsRepository,
    private readonly changes: ChangeFeed,
  ) {}

  async grant(userId: string, input: CreateGrantDto, adminId: string): Promise<GrantDto> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= new Date()) {
      throw DomainError.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const grant = await this.changes.transaction(async (tx) => {
      const created = await this.grants.create(
        { userId, feature: input.feature, limit: input.limit ?? null, expiresAt, createdBy: adminId },
        tx,
      );
      await this.audit.recordChange(
        userId,
        'grant.created',
        `admin:${adminId}`,
        {
          grantId: created.id,
          feature: created.feature,
          limit: created.limit,
          expiresAt: created.expiresAt?.toISOString() ?? null,
        },
        tx,
      );
      await this.changes.publish({ kind: 'entitlements', userId }, tx);
      return created;
    });
    return toGrantDto(grant);
  }

  async revoke(userId: string, grantId: string, adminId: string): Promise<void> {
    await this.changes.transaction(async (tx) => {
      if (!(await this.grants.revoke(userId, grantId, tx))) {
        throw new DomainError('not_found', 'No such active grant for this user.');
      }
      await this.audit.recordChange(userId, 'grant.revoked', `admin:${adminId}`, { grantId }, tx);
      await this.changes.publish({ kind: 'entitlements', userId }, tx);
    });
  }

  async active(userId: string): Promise<GrantDto[]> {
    return (await this.grants.active(userId, new Date())).map(toGrantDto);
  }
}

function toGrantDto(grant: Grant): GrantDto {
  return {
    id: grant.id,
    feature: grant.feature,
    limit: grant.limit,
    expiresAt: grant.expiresAt?.toISOString() ?? null,
    createdAt: grant.createdAt.toISOString(),
  };
}
