import billingMeterEvent from './fixtures/billing-meter-event.json';
import billingMeter from './fixtures/billing-meter.json';
import billingPortalSession from './fixtures/billing-portal-session.json';
import charge from './fixtures/charge.json';
import checkoutLineItem from './fixtures/checkout-line-item.json';
import checkoutSession from './fixtures/checkout-session.json';
import customer from './fixtures/customer.json';
import event from './fixtures/event.json';
import invoiceLineItem from './fixtures/invoice-line-item.json';
import invoicePayment from './fixtures/invoice-payment.json';
import invoice from './fixtures/invoice.json';
import paymentIntent from './fixtures/payment-intent.json';
import plan from './fixtures/plan.json';
import price from './fixtures/price.json';
import product from './fixtures/product.json';
import refund from './fixtures/refund.json';
import subscriptionItem from './fixtures/subscription-item.json';
import subscription from './fixtures/subscription.json';
import type { StripeObject } from './types';

/**
 * Stripe's example objects (stripe/openapi fixtures, MIT) reset to what a freshly created object
 * looks like. Every object the double mints starts as a copy of one of these, so fields the
 * double does not model still have Stripe's names and types.
 */
const templates = {
  billingMeter,
  billingMeterEvent,
  billingPortalSession,
  charge,
  checkoutLineItem,
  checkoutSession,
  customer,
  event,
  invoice,
  invoiceLineItem,
  invoicePayment,
  paymentIntent,
  plan,
  price,
  product,
  refund,
  subscription,
  subscriptionItem,
};

export type TemplateName = keyof typeof templates;

/** Fields the double models are all passed in; the template supplies the rest of the shape. */
export function fromTemplate<T extends StripeObject>(name: TemplateName, fields: T): T {
  return { ...structuredClone(templates[name]), ...fields };
}
