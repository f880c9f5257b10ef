import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { DomainError } from '../../common/errors/domain-error';
import { StripeGateway } from '../stripe/stripe.gateway';
import { CustomersRepository } from './customers.repository';

/** Each user's Stripe customer: created once, on first need, and reused. */
@Injectable()
export class CustomersService {
  /** A customer, once linked to a user, stays linked: every webhook after the first needs no lookup. */
  private readonly usersByCustomer = new LRUCache<string, string>({ max: 50_000 });

  constructor(
    private readonly customers: CustomersRepository,
    private readonly stripe: StripeGateway,
  ) {}

  async ensureCustomer(userId: string): Promise<string> {
    const user = await this.customers.billingContact(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    if (user.stripeCustomerId) return user.stripeCustomerId;
    // The key makes concurrent or retried first checkouts share one customer.
    const customer = await this.stripe.call('customers.create', (stripe) =>
      stripe.customers.create(
        { email: user.email, ...(user.name ? { name: user.name } : {}), metadata: { userId } },
        { idempotencyKey: `tollgate-customer-${userId}` },
      ),
    );
    await this.customers.link(userId, customer.id);
    return customer.id;
  }

  async existingCustomer(userId: string): Promise<string> {
    const customer = await this.customers.customerOf(userId);
    if (!customer) throw new DomainError('no_billing_account');
    return customer;
  }

  /**
   * Whose customer this is: only customers `ensureCustomer` created and stored are anyone's. Metadata
   * (on a session, a subscription or the customer) never links a customer to a user.
   */
  async userIdForCustomer(stripeCustomerId: string): Promise<string | null> {
    const known = this.usersByCustomer.get(stripeCustomerId);
    if (known) return known;
    const userId = await this.customers.userOf(stripeCustomerId);
    if (userId) this.usersByCustomer.set(stripeCustomerId, userId);
    return userId;
  }
}
