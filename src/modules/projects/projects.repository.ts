import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma, Project } from '../../generated/prisma/client';
import { CountsUsageOf, UsageCounter } from '../paywall/usage-counter.decorator';
import { PROJECTS_FEATURE } from './projects.feature';
import { CREATE_PROJECT } from './create-project.sql';

@Injectable()
@CountsUsageOf(PROJECTS_FEATURE)
export class ProjectsRepository implements UsageCounter {
  constructor(private readonly prisma: PrismaService) {}

  countUsage(accountId: string, tx: Prisma.TransactionClient = this.prisma): Promise<number> {
    return tx.project.count({ where: { accountId } });
  }

  /**
   * Creates the project, or answers how many the account has when that reaches `limit`: one statement.
   * Without a limit a prepared insert; within one, in the caller's transaction (which holds the lock).
   */
  async createBelow(
    accountId: string,
    name: string,
    limit: number | null,
    tx?: Prisma.TransactionClient,
  ): Promise<{ created: Project } | { full: number }> {
    if (limit === null || !tx) {
      const [created] = await this.prisma.prepared<Project>('project-create', CREATE_PROJECT, [
        accountId,
        name,
      ]);
      return { created: created! };
    }
    const [row] = await tx.$queryRaw<(Partial<Project> & { used: number })[]>`
      WITH counted AS (SELECT count(*)::int AS used FROM projects WHERE account_id = ${accountId}::uuid),
      created AS (
        INSERT INTO projects (id, account_id, name, created_at)
        SELECT gen_random_uuid(), ${accountId}::uuid, ${name}, now() FROM counted WHERE used < ${limit}
        RETURNING id, account_id, name, created_at)
      SELECT created.id, created.account_id AS "accountId", created.name, created.created_at AS "createdAt",
             counted.used
        FROM counted LEFT JOIN created ON true`;
    const { used, ...project } = row!;
    return project.id ? { created: project as Project } : { full: used };
  }

  list(accountId: string): Promise<Project[]> {
    return this.prisma.project.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } });
  }

  find(accountId: string, id: string): Promise<Project | null> {
    return this.prisma.project.findFirst({ where: { id, accountId } });
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.project.deleteMany({ where: { id, accountId } });
    return count === 1;
  }
}
