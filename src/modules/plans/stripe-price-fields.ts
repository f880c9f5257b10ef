import type Stripe from 'stripe';

import type { Price } from '../../generated/prisma/client';
import type { PriceIntervalName } from './plan.dto';

export const CREDITS_METADATA = 'tollgate_credits';
export const CREDITS_EXPIRE_METADATA = 'tollgate_credits_expire_after_days';
export const MAX_CREDITS_EXPIRE_AFTER_DAYS = 3650;
/** Stripe has no "per seat" on a price: a licensed price's quantity is what we set, so we mark it. */
export const PER_SEAT_METADATA = 'tollgate_per_seat';

export interface PriceFields {
  interval: PriceIntervalName;
  amount: number;
  currency: string;
  credits: number | null;
  /** A pack's credits expire this many days after the purchase; null: never (and for any other price). */
  creditsExpireAfterDays: number | null;
  perSeat: boolean;
}

/** A Stripe price as our price row holds it. */
export type PriceRow = PriceFields & { stripePriceId: string; active: boolean };

type SyncedFields = Pick<Price, 'active' | 'amount' | 'currency'>;

const SELLABLE_INTERVALS: readonly string[] = ['month', 'year', 'one_time'];

/** Null for a price without a fixed amount (tiered, customer-chosen). */
export function priceFieldsFromStripe(price: Stripe.Price): PriceFields | null {
  if (price.unit_amount === null) return null;
  const credits = Number(price.metadata?.[CREDITS_METADATA]);
  const isPack = price.recurring === null && Number.isInteger(credits) && credits > 0;
  const expireAfterDays = Number(price.metadata?.[CREDITS_EXPIRE_METADATA]);
  return {
    interval: price.recurring ? (price.recurring.interval as PriceIntervalName) : 'one_time',
    amount: price.unit_amount,
    currency: price.currency,
    credits: Number.isInteger(credits) && credits > 0 ? credits : null,
    creditsExpireAfterDays:
      isPack &&
      Number.isInteger(expireAfterDays) &&
      expireAfterDays >= 1 &&
      expireAfterDays <= MAX_CREDITS_EXPIRE_AFTER_DAYS
        ? expireAfterDays
        : null,
    perSeat: price.recurring !== null && price.metadata?.[PER_SEAT_METADATA] === 'true',
  };
}

/**
 * Our row for a Stripe price, or null for one we cannot sell (see above; or billed by the day or week;
 * or metered: an overage price goes along with a plan's price, it is not one to check out with).
 */
export function priceRowFromStripe(price: Stripe.Price): PriceRow | null {
  if (price.recurring?.usage_type === 'metered') return null;
  const fields = priceFieldsFromStripe(price);
  if (!fields || !SELLABLE_INTERVALS.includes(fields.interval)) return null;
  return { ...fields, stripePriceId: price.id, active: price.active };
}

/**
 * What to write on our row so it matches Stripe's price, or null when it does already. Only these
 * fields can differ: Stripe never changes a price's interval, and the pack size is fixed at creation.
 */
export function priceRowUpdate(local: SyncedFields, remote: SyncedFields): SyncedFields | null {
  const same =
    local.active === remote.active && local.amount === remote.amount && local.currency === remote.currency;
  return same ? null : { active: remote.active, amount: remote.amount, currency: remote.currency };
}
