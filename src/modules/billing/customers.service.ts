import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { DomainError } from '../../common/errors/domain-error';
import { StripeGateway } from '../stripe/stripe.gateway';
import { CustomerAccount, CustomersRepository } from './customers.repository';

/** Each account's Stripe customer: created once, on first need, and reused. */
@Injectable()
export class CustomersService {
  /** A customer, once linked to an account, stays linked: every webhook after the first needs no lookup. */
  private readonly accountsByCustomer = new LRUCache<string, CustomerAccount>({ max: 50_000 });

  constructor(
    private readonly customers: CustomersRepository,
    private readonly stripe: StripeGateway,
  ) {}

  async ensureCustomer(accountId: string): Promise<string> {
    const account = await this.customers.billingContact(accountId);
    if (!account) throw new DomainError('account_not_found');
    if (account.stripeCustomerId) return account.stripeCustomerId;
    // The key makes concurrent or retried first checkouts share one customer.
    const customer = await this.stripe.call('customers.create', (stripe) =>
      stripe.customers.create(
        { ...(account.email ? { email: account.email } : {}), name: account.name, metadata: { accountId } },
        { idempotencyKey: `tollgate-customer-${accountId}` },
      ),
    );
    await this.customers.link(accountId, customer.id);
    return customer.id;
  }

  async existingCustomer(accountId: string): Promise<string> {
    const customer = await this.customers.customerOf(accountId);
    if (!customer) throw new DomainError('no_billing_account');
    return customer;
  }

  /**
   * Whose customer this is: only customers `ensureCustomer` created and stored are anyone's. Metadata
   * (on a session, a subscription or the customer) never links a customer to an account.
   */
  async accountForCustomer(stripeCustomerId: string): Promise<CustomerAccount | null> {
    const known = this.accountsByCustomer.get(stripeCustomerId);
    if (known) return known;
    const account = await this.customers.accountOf(stripeCustomerId);
    if (account) this.accountsByCustomer.set(stripeCustomerId, account);
    return account;
  }

  async accountIdForCustomer(stripeCustomerId: string): Promise<string | null> {
    return (await this.accountForCustomer(stripeCustomerId))?.id ?? null;
  }
}
