import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Project } from '../../generated/prisma/client';

@Injectable()
export class ProjectsRepository {
  constructor(private readonly prisma: PrismaService) {}

  count(userId: string): Promise<number> {
    return this.prisma.project.count({ where: { userId } });
  }

  /**
   * Creates the project only while the user has fewer than `limit` (null: no limit). The per-user
   * lock makes concurrent creates count one after another, so they can never overshoot.
   */
  async createWithinLimit(
    userId: string,
    name: string,
    limit: number | null,
  ): Promise<{ project: Project } | { full: number }> {
    if (limit === null) return { project: await this.prisma.project.create({ data: { userId, name } }) };
    // The count must see every create that went first: they queue on a per-user lock, each in a transaction.
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`projects:${userId}`}, 0))`;
      const used = await tx.project.count({ where: { userId } });
      if (used >= limit) return { full: used };
      return { project: await tx.project.create({ data: { userId, name } }) };
    });
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
