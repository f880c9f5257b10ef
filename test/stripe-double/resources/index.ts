import type { Route } from '../router';
import { billingPortalSessionRoutes } from './billing-portal-sessions';
import { checkoutSessionRoutes } from './checkout-sessions';
import { customerRoutes } from './customers';
import { eventRoutes } from './events';
import { invoicePreviewRoutes } from './invoice-previews';
import { invoiceRoutes } from './invoices';
import { meterRoutes } from './meters';
import { paymentRoutes } from './payments';
import { priceRoutes } from './prices';
import { productRoutes } from './products';
import { subscriptionRoutes } from './subscriptions';

/** Every endpoint the double serves; anything else answers Stripe's "Unrecognized request URL". */
export const routes: readonly Route[] = [
  ...customerRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...checkoutSessionRoutes,
  ...subscriptionRoutes,
  ...invoicePreviewRoutes,
  ...invoiceRoutes,
  ...billingPortalSessionRoutes,
  ...eventRoutes,
  ...paymentRoutes,
  ...meterRoutes,
];
