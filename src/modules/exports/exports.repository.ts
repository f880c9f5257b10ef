import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Export } from '../../generated/prisma/client';

@Injectable()
export class ExportsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(accountId: string, projectId: string): Promise<Export> {
    return this.prisma.export.create({ data: { accountId, projectId } });
  }

  count(accountId: string): Promise<number> {
    return this.prisma.export.count({ where: { accountId } });
  }
}
