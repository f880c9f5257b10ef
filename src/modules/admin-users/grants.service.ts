import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { PrismaService } from '../../database/prisma.service';
import { Grant } from '../../generated/prisma/client';
import { EntitlementChangesService } from '../entitlements/entitlement-changes.service';
import { EntitlementsRepository } from '../entitlements/entitlements.repository';
import { CreateGrantDto, GrantDto } from './grant.dto';

/** Admin comps: a feature opened for one user, whatever the plan, until it expires or is revoked. */
@Injectable()
export class GrantsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: EntitlementsRepository,
    private readonly changes: EntitlementChangesService,
  ) {}

  async grant(userId: string, input: CreateGrantDto, adminId: string): Promise<GrantDto> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= new Date()) {
      throw DomainError.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const grant = await this.prisma.grant.create({
      data: { userId, feature: input.feature, limit: input.limit ?? null, expiresAt, createdBy: adminId },
    });
    await this.audit.recordChange(userId, 'grant.created', `admin:${adminId}`, {
      grantId: grant.id,
      feature: grant.feature,
      limit: grant.limit,
      expiresAt: grant.expiresAt?.toISOString() ?? null,
    });
    await this.changes.publish(userId);
    return toGrantDto(grant);
  }

  async revoke(userId: string, grantId: string, adminId: string): Promise<void> {
    const { count } = await this.prisma.grant.updateMany({
      where: { id: grantId, userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) throw new DomainError('not_found', 'No such active grant for this user.');
    await this.audit.recordChange(userId, 'grant.revoked', `admin:${adminId}`, { grantId });
    await this.changes.publish(userId);
  }

  async active(userId: string): Promise<GrantDto[]> {
    return (await this.audit.activeGrants(userId, new Date())).map(toGrantDto);
  }
}

export function toGrantDto(grant: Grant): GrantDto {
  return {
    id: grant.id,
    feature: grant.feature,
    limit: grant.limit,
    expiresAt: grant.expiresAt?.toISOString() ?? null,
    createdAt: grant.createdAt.toISOString(),
  };
}
