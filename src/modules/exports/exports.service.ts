import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { PrismaService } from '../../database/prisma.service';

@Injectable()
export class ExportsService {
  constructor(private readonly prisma: PrismaService) {}

  async create(
    userId: string,
    projectId: string,
  ): Promise<{ id: string; projectId: string; createdAt: string }> {
    const project = await this.prisma.project.findFirst({
      where: { id: projectId, userId },
      select: { id: true },
    });
    if (!project) throw new DomainError('not_found', 'No such project.');
    const created = await this.prisma.export.create({ data: { userId, projectId } });
    return { id: created.id, projectId: created.projectId, createdAt: created.createdAt.toISOString() };
  }
}
