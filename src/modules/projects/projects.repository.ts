import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma, Project } from '../../generated/prisma/client';
import { CountsUsageOf, UsageCounter } from '../paywall/usage-counter.decorator';
import { PROJECTS_FEATURE } from './projects.feature';

@Injectable()
@CountsUsageOf(PROJECTS_FEATURE)
export class ProjectsRepository implements UsageCounter {
  constructor(private readonly prisma: PrismaService) {}

  countUsage(accountId: string, tx: Prisma.TransactionClient = this.prisma): Promise<number> {
    return tx.project.count({ where: { accountId } });
  }

  create(accountId: string, name: string, tx: Prisma.TransactionClient = this.prisma): Promise<Project> {
    return tx.project.create({ data: { accountId, name } });
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
