import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

/** The link from a user to their Stripe customer (kept on the user's row). */
@Injectable()
export class CustomersRepository {
  constructor(private readonly prisma: PrismaService) {}

  billingContact(userId: string) {
    return this.prisma.user.findUnique({
      where: { id: userId },
      select: { email: true, name: true, stripeCustomerId: true },
    });
  }

  /** Stores the customer unless the user has one already (a concurrent first checkout stored it). */
  async link(userId: string, stripeCustomerId: string): Promise<void> {
    await this.prisma.user.updateMany({
      where: { id: userId, stripeCustomerId: null },
      data: { stripeCustomerId },
    });
  }

  async customerOf(userId: string): Promise<string | null> {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      select: { stripeCustomerId: true },
    });
    return user?.stripeCustomerId ?? null;
  }

  async userOf(stripeCustomerId: string): Promise<string | null> {
    const user = await this.prisma.user.findUnique({ where: { stripeCustomerId }, select: { id: true } });
    return user?.id ?? null;
  }
}
