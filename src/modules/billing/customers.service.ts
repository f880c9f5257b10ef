import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { DomainError } from '../../common/errors/domain-error';
import { PrismaService } from '../../database/prisma.service';
import { StripeGateway } from '../stripe/stripe.gateway';

/** Each user's Stripe customer: created once, on first need, and reused. */
@Injectable()
export class CustomersService {
  /** A customer, once linked to a user, stays linked: every webhook after the first needs no lookup. */
  private readonly usersByCustomer = new LRUCache<string, string>({ max: 50_000 });

  constructor(
    private readonly prisma: PrismaService,
    private readonly stripe: StripeGateway,
  ) {}

  async ensureCustomer(userId: string): Promise<string> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    if (user.stripeCustomerId) return user.stripeCustomerId;
    // The key makes concurrent or retried first checkouts share one customer.
    const customer = await this.stripe.call('customers.create', (stripe) =>
      stripe.customers.create(
        { email: user.email, ...(user.name ? { name: user.name } : {}), metadata: { userId } },
        { idempotencyKey: `tollgate-customer-${userId}` },
      ),
    );
    await this.prisma.user.updateMany({
      where: { id: userId, stripeCustomerId: null },
      data: { stripeCustomerId: customer.id },
    });
    return customer.id;
  }

  async existingCustomer(userId: string): Promise<string> {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      select: { stripeCustomerId: true },
    });
    if (!user?.stripeCustomerId) throw new DomainError('no_billing_account');
    return user.stripeCustomerId;
  }

  /**
   * Whose customer this is: only customers `ensureCustomer` created and stored are anyone's. Metadata
   * (on a session, a subscription or the customer) never links a customer to a user.
   */
  async userIdForCustomer(stripeCustomerId: string): Promise<string | null> {
    const known = this.usersByCustomer.get(stripeCustomerId);
    if (known) return known;
    const user = await this.prisma.user.findUnique({ where: { stripeCustomerId }, select: { id: true } });
    if (user) this.usersByCustomer.set(stripeCustomerId, user.id);
    return user?.id ?? null;
  }
}
