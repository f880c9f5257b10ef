import { exclusiveParams, missingParam, noSuchResource } from '../api-error';
import { refundCharge } from '../billing/payments';
import { PAGINATION_PARAMS, paginate } from '../lists';
import { applyMetadata } from '../params';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { Store } from '../store';
import type { ChargeObject, RefundObject } from '../types';

function requireCharge(store: Store, id: string, param: string, location: 'path' | 'param'): ChargeObject {
  const charge = store.charges.get(id);
  if (!charge) throw noSuchResource('charge', id, param, location);
  return charge;
}

function handleCreateRefund({ params, operation }: ApiRequest): RefundObject {
  const { store } = operation;
  params.rejectUnknown([
    'amount',
    'charge',
    'currency',
    'customer',
    'instructions_email',
    'metadata',
    'origin',
    'payment_intent',
    'reason',
    'refund_application_fee',
    'reverse_transfer',
  ]);
  const chargeId = params.string('charge');
  const paymentIntentId = params.string('payment_intent');
  if (chargeId && paymentIntentId) throw exclusiveParams(['charge', 'payment_intent']);
  let charge: ChargeObject;
  if (chargeId) {
    charge = requireCharge(store, chargeId, 'charge', 'param');
  } else if (paymentIntentId) {
    const paymentIntent = store.paymentIntents.get(paymentIntentId);
    if (!paymentIntent) {
      throw noSuchResource('payment_intent', paymentIntentId, 'payment_intent', 'param');
    }
    if (!paymentIntent.latest_charge) {
      throw noSuchResource('charge', paymentIntentId, 'payment_intent', 'param');
    }
    charge = requireCharge(store, paymentIntent.latest_charge, 'payment_intent', 'param');
  } else {
    throw missingParam('charge');
  }
  const refund = refundCharge(operation, charge, {
    amount: params.integer('amount', { min: 1 }),
    reason: params.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null,
    metadata: applyMetadata({}, params.metadata()),
  });
  return render(store, refund);
}

export const paymentRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/charges',
    handler: ({ params, operation: { store } }) => {
      params.rejectUnknown([...PAGINATION_PARAMS, 'customer', 'payment_intent', 'transfer_group']);
      const customer = params.string('customer');
      const paymentIntent = params.string('payment_intent');
      return paginate(params, store.charges.newestFirst(), {
        url: '/v1/charges',
        resourceName: 'charge',
        render: (charge) => render(store, charge),
        matches: (charge) =>
          (customer === undefined || charge.customer === customer) &&
          (paymentIntent === undefined || charge.payment_intent === paymentIntent),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/charges/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return render(store, requireCharge(store, pathParam('id'), 'id', 'path'));
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown(['client_secret']);
      const paymentIntent = store.paymentIntents.get(pathParam('id'));
      if (!paymentIntent) throw noSuchResource('payment_intent', pathParam('id'), 'intent', 'path');
      return render(store, paymentIntent);
    },
  },
  { method: 'POST', path: '/v1/refunds', handler: handleCreateRefund },
  {
    method: 'GET',
    path: '/v1/refunds',
    handler: ({ params, operation: { store } }) => {
      params.rejectUnknown([...PAGINATION_PARAMS, 'charge', 'payment_intent']);
      const charge = params.string('charge');
      const paymentIntent = params.string('payment_intent');
      return paginate(params, store.refunds.newestFirst(), {
        url: '/v1/refunds',
        resourceName: 'refund',
        render: (refund) => render(store, refund),
        matches: (refund) =>
          (charge === undefined || refund.charge === charge) &&
          (paymentIntent === undefined || refund.payment_intent === paymentIntent),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      const refund = store.refunds.get(pathParam('id'));
      if (!refund) throw noSuchResource('refund', pathParam('id'), 'id', 'path');
      return render(store, refund);
    },
  },
];
