import { fromTemplate } from '../fixtures';
import { newId, randomChars } from '../ids';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { PortalSessionObject } from '../types';
import { requireCustomer } from './customers';

// Stripe creates a default portal configuration per account; the double has one fixed id.
const DEFAULT_CONFIGURATION_ID = 'bpc_1StripeDoubleDefaultCfg';

function handleCreate({ params, operation }: ApiRequest): PortalSessionObject {
  params.rejectUnknown([
    'after_expiration',
    'configuration',
    'customer',
    'customer_account',
    'flow_data',
    'locale',
    'on_behalf_of',
    'return_url',
  ]);
  const customer = requireCustomer(operation.store, params.requiredString('customer'), 'customer', 'param');
  const session = fromTemplate<PortalSessionObject>('billingPortalSession', {
    id: newId('bps'),
    object: 'billing_portal.session',
    created: operation.now(),
    customer: customer.id,
    return_url: params.string('return_url') ?? null,
    url: `https://billing.stripe.com/p/session/test_${randomChars(60)}`,
  });
  session.configuration = params.string('configuration') ?? DEFAULT_CONFIGURATION_ID;
  session.locale = params.string('locale') ?? null;
  session.flow = params.hash('flow_data')?.raw ?? null;
  operation.store.portalSessions.insert(session);
  operation.emit('billing_portal.session.created', session);
  return render(operation.store, session);
}

export const billingPortalSessionRoutes: Route[] = [
  { method: 'POST', path: '/v1/billing_portal/sessions', handler: handleCreate },
];
