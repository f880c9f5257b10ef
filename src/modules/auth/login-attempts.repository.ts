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

  /** Forgets one account's failures. */
  async clear(email: string): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { email } });
  }

  /** Every account's failures from before `before`: past the window they count for nobody. */
  async deleteExpired(before: Date): Promise<void> {
    await this.prisma.loginFailure.deleteMany({ where: { failedAt: { lt: before } } });
  }
}
