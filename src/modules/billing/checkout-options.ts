import type Stripe from 'stripe';

export interface CheckoutSettings {
  /** `CHECKOUT_PROMOTION_CODES` */
  promotionCodes: boolean;
  /** `STRIPE_AUTOMATIC_TAX` */
  automaticTax: boolean;
}

/**
 * What a Checkout Session collects besides the payment: promotion codes, and for Stripe Tax the
 * billing address (required, tax follows from it) and business tax ids. Sessions are created for an
 * existing customer, and Stripe accepts tax id collection with one only when Checkout may save the
 * name entered onto it (`customer_update[name]`), automatic tax only when the customer has an address
 * or Checkout may save one (`customer_update[address]`).
 */
export function checkoutCollection(
  settings: CheckoutSettings,
): Pick<
  Stripe.Checkout.SessionCreateParams,
  | 'allow_promotion_codes'
  | 'automatic_tax'
  | 'billing_address_collection'
  | 'tax_id_collection'
  | 'customer_update'
> {
  return {
    ...(settings.promotionCodes ? { allow_promotion_codes: true } : {}),
    ...(settings.automaticTax
      ? {
          automatic_tax: { enabled: true },
          billing_address_collection: 'required',
          tax_id_collection: { enabled: true },
          customer_update: { address: 'auto', name: 'auto' },
        }
      : {}),
  };
}
