import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

/** Failed logins per email, in PostgreSQL so that every instance counts the same attempts. */
@Injectable()
export class LoginAttemptsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async recentFailures(email: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
    const result = await this.prisma.loginFailure.aggregate({
      where: { email, failedAt: { gt: since } },
      _count: { _all: true },
      _min: { failedAt: true },
    });
    return { count: result._count._all, oldest: result._min.failedAt };
  }

  async recordFailure(email: string): Promise<void> {
    await this.prisma.loginFailure.create({ data: { email } });
  }

  async clear(email: string, olderThan?: Date): Promise<void> {
    await this.prisma.loginFailure.deleteMany({
      where: olderThan ? { failedAt: { lt: olderThan } } : { email },
    });
  }
}
