import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma, Project } from '../../generated/prisma/client';
import { CountsUsageOf, UsageCounter } from '../paywall/usage-counter.decorator';
import { PROJECTS_FEATURE } from './projects.feature';

@Injectable()
@CountsUsageOf(PROJECTS_FEATURE)
export class ProjectsRepository implements UsageCounter {
  constructor(private readonly prisma: PrismaService) {}

  countUsage(userId: string, tx: Prisma.TransactionClient = this.prisma): Promise<number> {
    return tx.project.count({ where: { userId } });
  }

  create(userId: string, name: string, tx: Prisma.TransactionClient = this.prisma): Promise<Project> {
    return tx.project.create({ data: { userId, name } });
  }

  list(userId: string): Promise<Project[]> {
    return this.prisma.project.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  }

  find(userId: string, id: string): Promise<Project | null> {
    return this.prisma.project.findFirst({ where: { id, userId } });
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.project.deleteMany({ where: { id, userId } });
    return count === 1;
  }
}
