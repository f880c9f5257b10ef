import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

@Injectable()
export class AnalysesRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(accountId: string, projectId: string) {
    return this.prisma.analysis.create({ data: { accountId, projectId } });
  }
}
