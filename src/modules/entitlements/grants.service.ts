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

  async grant(accountId: string, input: CreateGrantDto, adminId: string): Promise<GrantDto> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= new Date()) {
      throw DomainError.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const grant = await this.changes.transaction(async (tx) => {
      const created = await this.grants.create(
        { accountId, feature: input.feature, limit: input.limit ?? null, expiresAt, createdBy: adminId },
        tx,
      );
      await this.audit.recordChange(
        accountId,
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
      await this.changes.publish({ kind: 'entitlements', accountId }, tx);
      return created;
    });
    return toGrantDto(grant);
  }

  async revoke(accountId: string, grantId: string, adminId: string): Promise<void> {
    await this.changes.transaction(async (tx) => {
      if (!(await this.grants.revoke(accountId, grantId, tx))) {
        throw new DomainError('not_found', 'No such active grant for this user.');
      }
      await this.audit.recordChange(accountId, 'grant.revoked', `admin:${adminId}`, { grantId }, tx);
      await this.changes.publish({ kind: 'entitlements', accountId }, tx);
    });
  }

  async active(accountId: string): Promise<GrantDto[]> {
    return (await this.grants.active(accountId, new Date())).map(toGrantDto);
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
