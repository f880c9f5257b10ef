import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

@Injectable()
export class ReportsService {
  constructor(private readonly prisma: PrismaService) {}

  async summary(userId: string) {
    const [projects, exports] = await Promise.all([
      this.prisma.project.count({ where: { userId } }),
      this.prisma.export.count({ where: { userId } }),
    ]);
    return { projects, exports, generatedAt: new Date().toISOString() };
  }
}
