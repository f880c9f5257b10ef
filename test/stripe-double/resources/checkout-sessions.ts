import { exclusiveParams, invalidState, invalidValue, missingParam, noSuchResource } from '../api-error';
import { expireCheckoutSession } from '../billing/checkout';
import { productName } from '../billing/subscriptions';
import { fromTemplate } from '../fixtures';
import { newId, randomChars } from '../ids';
import { PAGINATION_PARAMS, paginate } from '../lists';
import type { Operation } from '../operation';
import { applyMetadata, type ParamReader } from '../params';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { Store } from '../store';
import { SECONDS_PER_DAY } from '../time';
import type {
  CheckoutLineItemObject,
  CheckoutMode,
  CheckoutSessionExtras,
  CheckoutSessionObject,
  CustomerObject,
  PriceObject,
} from '../types';
import { requireCustomer } from './customers';
import { createPrice, createProduct, isMetered, requirePrice, requireProduct } from './catalog';

const CREATE_PARAMS = [
  'adaptive_pricing',
  'after_expiration',
  'allow_promotion_codes',
  'allowed_payment_method_types',
  'automatic_tax',
  'billing_address_collection',
  'branding_settings',
  'cancel_url',
  'client_reference_id',
  'consent_collection',
  'currency',
  'custom_fields',
  'custom_text',
  'customer',
  'customer_account',
  'customer_creation',
  'customer_email',
  'customer_update',
  'discounts',
  'excluded_payment_method_types',
  'expires_at',
  'integration_identifier',
  'invoice_creation',
  'line_items',
  'locale',
  'managed_payments',
  'metadata',
  'mode',
  'name_collection',
  'optional_items',
  'origin_context',
  'payment_intent_data',
  'payment_method_collection',
  'payment_method_configuration',
  'payment_method_data',
  'payment_method_options',
  'permissions',
  'phone_number_collection',
  'redirect_on_completion',
  'return_url',
  'saved_payment_method_options',
  'setup_intent_data',
  'shipping_address_collection',
  'shipping_options',
  'submit_type',
  'subscription_data',
  'success_url',
  'tax_id_collection',
  'ui_mode',
  'wallet_options',
];
const MODES: readonly CheckoutMode[] = ['payment', 'setup', 'subscription'];
const MIN_EXPIRY_SECONDS = 30 * 60;

export function requireCheckoutSession(store: Store, id: string): CheckoutSessionObject {
  const session = store.checkoutSessions.get(id);
  if (!session) throw noSuchResource('checkout.session', id, 'session', 'path');
  return session;
}

/** `price_data` on a line item creates a one-off price Stripe does not let you reuse. */
function inlinePrice(operation: Operation, priceData: ParamReader): PriceObject {
  priceData.rejectUnknown([
    'currency',
    'product',
    'product_data',
    'recurring',
    'tax_behavior',
    'unit_amount',
    'unit_amount_decimal',
  ]);
  const productId = priceData.string('product');
  const productData = priceData.hash('product_data');
  if (productId && productData) {
    throw exclusiveParams([priceData.pathOf('product'), priceData.pathOf('product_data')]);
  }
  if (!productId && !productData) throw missingParam(priceData.pathOf('product'));
  const product = productId
    ? requireProduct(operation.store, productId, priceData.pathOf('product'), 'param')
    : createProduct(operation, productData as ParamReader);
  return createPrice(operation, priceData, product, { active: false });
}

function readLineItem(operation: Operation, params: ParamReader): CheckoutLineItemObject {
  params.rejectUnknown([
    'adjustable_quantity',
    'dynamic_tax_rates',
    'metadata',
    'price',
    'price_data',
    'quantity',
    'tax_rates',
  ]);
  const priceId = params.string('price');
  const priceData = params.hash('price_data');
  if (priceId && priceData) throw exclusiveParams([params.pathOf('price'), params.pathOf('price_data')]);
  let price: PriceObject;
  if (priceId) {
    price = requirePrice(operation.store, priceId, params.pathOf('price'), 'param');
    if (!price.active) {
      throw invalidValue(
        params.pathOf('price'),
        'The price specified is inactive. This field only accepts active prices.',
      );
    }
  } else if (priceData) {
    price = inlinePrice(operation, priceData);
  } else {
    throw missingParam(params.pathOf('price'));
  }
  // A metered price bills what its meter counts later: Stripe refuses a quantity for it.
  if (isMetered(price) && params.has('quantity')) {
    throw invalidValue(
      params.pathOf('quantity'),
      'Quantity should not be defined when `recurring.usage_type=metered`.',
    );
  }
  const quantity = isMetered(price) ? null : params.requiredInteger('quantity', { min: 0 });
  const amount = (price.unit_amount ?? 0) * (quantity ?? 0);
  return fromTemplate<CheckoutLineItemObject>('checkoutLineItem', {
    id: newId('li'),
    object: 'item',
    price: structuredClone(price),
    quantity,
    amount_subtotal: amount,
    amount_total: amount,
    currency: price.currency,
    description: productName(operation.store, price),
  });
}

function validateLineItems(mode: CheckoutMode, lineItems: CheckoutLineItemObject[]): void {
  const recurring = lineItems.filter((item) => item.price.recurring);
  if (mode === 'subscription' && recurring.length === 0) {
    throw invalidValue(
      'line_items',
      'You must provide at least one recurring price in `subscription` mode when using prices.',
    );
  }
  if (mode === 'payment' && recurring.length > 0) {
    throw invalidValue(
      'line_items',
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
    );
  }
  if (new Set(lineItems.map((item) => item.currency)).size > 1) {
    throw invalidValue('line_items', 'All prices on a Checkout Session must use the same currency.');
  }
}

function readSubscriptionData(
  mode: CheckoutMode,
  params: ParamReader,
): CheckoutSessionExtras['subscriptionData'] {
  const data = params.hash('subscription_data');
  if (data && mode !== 'subscription') {
    throw invalidValue(
      'subscription_data',
      'You can only specify `subscription_data` in `subscription` mode.',
    );
  }
  data?.rejectUnknown([
    'application_fee_percent',
    'billing_cycle_anchor',
    'billing_mode',
    'default_tax_rates',
    'description',
    'invoice_settings',
    'metadata',
    'on_behalf_of',
    'pending_invoice_item_interval',
    'proration_behavior',
    'transfer_data',
    'trial_end',
    'trial_period_days',
    'trial_settings',
  ]);
  const endBehavior = data?.hash('trial_settings')?.hash('end_behavior');
  return {
    metadata: applyMetadata({}, data?.metadata()),
    trialPeriodDays: data?.integer('trial_period_days', { min: 1, max: 730 }) ?? null,
    trialEnd: data?.integer('trial_end') ?? null,
    description: data?.string('description') ?? null,
    missingPaymentMethod:
      endBehavior?.oneOf('missing_payment_method', ['cancel', 'create_invoice', 'pause']) ?? null,
  };
}

function readPaymentIntentData(
  mode: CheckoutMode,
  params: ParamReader,
): CheckoutSessionExtras['paymentIntentData'] {
  const data = params.hash('payment_intent_data');
  if (data && mode !== 'payment') {
    throw invalidValue(
      'payment_intent_data',
      'You can only specify `payment_intent_data` in `payment` mode.',
    );
  }
  return {
    metadata: applyMetadata({}, data?.metadata()),
    description: data?.string('description') ?? null,
  };
}

interface TaxAndAddressCollection {
  automaticTax: boolean;
  taxIdCollection: { enabled: boolean; required: 'if_supported' | 'never' } | null;
  billingAddressCollection: 'auto' | 'required' | null;
}

/**
 * Stripe Tax, tax ids, addresses and what Checkout may save onto an existing customer, with the rules
 * Stripe enforces for an existing customer: a tax id needs the name saved back, automatic tax an
 * address on the customer or saved back.
 */
function readTaxAndAddressCollection(
  params: ParamReader,
  customer: CustomerObject | null,
): TaxAndAddressCollection {
  const automaticTaxParams = params.hash('automatic_tax');
  automaticTaxParams?.rejectUnknown(['enabled', 'liability']);
  const automaticTax = automaticTaxParams ? automaticTaxParams.requiredBoolean('enabled') : false;
  const taxIdParams = params.hash('tax_id_collection');
  taxIdParams?.rejectUnknown(['enabled', 'required']);
  const taxIdCollection = taxIdParams
    ? {
        enabled: taxIdParams.requiredBoolean('enabled'),
        required: taxIdParams.oneOf('required', ['if_supported', 'never'] as const) ?? 'never',
      }
    : null;
  const billingAddressCollection = params.oneOf('billing_address_collection', ['auto', 'required']) ?? null;
  const customerUpdate = params.hash('customer_update');
  customerUpdate?.rejectUnknown(['address', 'name', 'shipping']);
  const saves = {
    address: customerUpdate?.oneOf('address', ['auto', 'never']) === 'auto',
    name: customerUpdate?.oneOf('name', ['auto', 'never']) === 'auto',
    shipping: customerUpdate?.oneOf('shipping', ['auto', 'never']) === 'auto',
  };
  if (customerUpdate && !customer) {
    throw invalidValue('customer_update', '`customer_update` can only be used with `customer`.');
  }
  if (customer && taxIdCollection?.enabled && !saves.name) {
    throw invalidValue(
      'tax_id_collection[enabled]',
      'Tax ID collection requires updating business name on the customer. To enable tax ID collection for an existing customer, please set `customer_update[name]` to `auto`.',
    );
  }
  if (customer && automaticTax && !customer.address && !saves.address && !saves.shipping) {
    throw invalidValue(
      'automatic_tax[enabled]',
      "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
    );
  }
  return { automaticTax, taxIdCollection, billingAddressCollection };
}

function handleCreate({ params, operation }: ApiRequest): CheckoutSessionObject {
  const { store } = operation;
  params.rejectUnknown(CREATE_PARAMS);
  const now = operation.now();
  const mode = params.requiredOneOf('mode', MODES);
  const uiMode = params.oneOf('ui_mode', ['hosted', 'embedded', 'custom']) ?? 'hosted';
  const successUrl = params.string('success_url') ?? null;
  const returnUrl = params.string('return_url') ?? null;
  if (uiMode !== 'hosted' && successUrl) {
    throw invalidValue('success_url', `You cannot use \`success_url\` with \`ui_mode: ${uiMode}\`.`);
  }
  if (uiMode !== 'hosted' && !returnUrl) throw missingParam('return_url');

  const customerId = params.string('customer');
  const customerEmail = params.string('customer_email');
  if (customerId && customerEmail) throw exclusiveParams(['customer', 'customer_email']);
  const customer = customerId ? requireCustomer(store, customerId, 'customer', 'param') : null;
  const customerCreation = params.oneOf('customer_creation', ['always', 'if_required']);
  if (customerCreation && mode !== 'payment') {
    throw invalidValue('customer_creation', '`customer_creation` can only be used in `payment` mode.');
  }

  const collection = readTaxAndAddressCollection(params, customer);
  const allowPromotionCodes = params.boolean('allow_promotion_codes');
  if (allowPromotionCodes !== undefined && params.has('discounts')) {
    throw exclusiveParams(['allow_promotion_codes', 'discounts']);
  }

  const lineItemParams = params.hashList('line_items') ?? [];
  if (mode !== 'setup' && lineItemParams.length === 0) throw missingParam('line_items');
  const subscriptionData = readSubscriptionData(mode, params);
  const paymentIntentData = readPaymentIntentData(mode, params);
  const expiresAt = params.integer('expires_at') ?? now + SECONDS_PER_DAY;
  if (expiresAt < now + MIN_EXPIRY_SECONDS || expiresAt > now + SECONDS_PER_DAY) {
    throw invalidValue(
      'expires_at',
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
    );
  }
  const lineItems = lineItemParams.map((item) => readLineItem(operation, item));
  validateLineItems(mode, lineItems);

  const id = newId('cs_test');
  const amount = lineItems.reduce((sum, item) => sum + item.amount_total, 0);
  const session = fromTemplate<CheckoutSessionObject>('checkoutSession', {
    id,
    object: 'checkout.session',
    created: now,
    expires_at: expiresAt,
    mode,
    status: 'open',
    payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
    customer: customerId ?? null,
    customer_email: customerEmail ?? null,
    customer_creation: mode === 'payment' ? (customerCreation ?? 'if_required') : null,
    customer_details: null,
    client_reference_id: params.string('client_reference_id') ?? null,
    currency: lineItems[0]?.currency ?? params.string('currency')?.toLowerCase() ?? null,
    amount_subtotal: mode === 'setup' ? null : amount,
    amount_total: mode === 'setup' ? null : amount,
    subscription: null,
    payment_intent: null,
    invoice: null,
    setup_intent: null,
    success_url: successUrl,
    cancel_url: params.string('cancel_url') ?? null,
    url: uiMode === 'hosted' ? `https://checkout.stripe.com/c/pay/${id}` : null,
    metadata: applyMetadata({}, params.metadata()),
  });
  session.ui_mode = uiMode;
  session.client_secret = uiMode === 'hosted' ? null : `${id}_secret_${randomChars(24)}`;
  session.locale = params.string('locale') ?? null;
  session.allow_promotion_codes = allowPromotionCodes ?? null;
  session.automatic_tax = {
    enabled: collection.automaticTax,
    liability: collection.automaticTax ? { type: 'self' } : null,
    provider: collection.automaticTax ? 'stripe' : null,
    status: collection.automaticTax ? 'requires_location_inputs' : null,
  };
  session.tax_id_collection = collection.taxIdCollection ?? { enabled: false, required: 'never' };
  session.billing_address_collection = collection.billingAddressCollection;
  if (returnUrl) session.return_url = returnUrl;
  store.checkoutSessions.insert(session);
  store.checkoutSessionExtras.set(id, { lineItems, subscriptionData, paymentIntentData });
  return render(store, session);
}

function handleList({ params, operation: { store } }: ApiRequest) {
  params.rejectUnknown([
    ...PAGINATION_PARAMS,
    'customer',
    'customer_account',
    'customer_details',
    'payment_intent',
    'payment_link',
    'status',
    'subscription',
  ]);
  const customer = params.string('customer');
  const paymentIntent = params.string('payment_intent');
  const subscription = params.string('subscription');
  const status = params.oneOf('status', ['complete', 'expired', 'open']);
  const email = params.hash('customer_details')?.string('email');
  return paginate(params, store.checkoutSessions.newestFirst(), {
    url: '/v1/checkout/sessions',
    resourceName: 'checkout.session',
    render: (session) => render(store, session),
    matches: (session) =>
      (customer === undefined || session.customer === customer) &&
      (paymentIntent === undefined || session.payment_intent === paymentIntent) &&
      (subscription === undefined || session.subscription === subscription) &&
      (status === undefined || session.status === status) &&
      (email === undefined || session.customer_details?.email === email),
  });
}

export const checkoutSessionRoutes: Route[] = [
  { method: 'POST', path: '/v1/checkout/sessions', handler: handleCreate },
  { method: 'GET', path: '/v1/checkout/sessions', handler: handleList },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return render(store, requireCheckoutSession(store, pathParam('id')));
    },
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/:id/line_items',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown(['limit', 'starting_after', 'ending_before']);
      requireCheckoutSession(store, pathParam('id'));
      const lineItems = store.checkoutSessionExtras.get(pathParam('id'))?.lineItems ?? [];
      return paginate(params, lineItems, {
        url: `/v1/checkout/sessions/${pathParam('id')}/line_items`,
        resourceName: 'line item',
        render: (item) => render(store, item),
      });
    },
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions/:id/expire',
    handler: ({ pathParam, params, operation }) => {
      params.rejectUnknown([]);
      const session = requireCheckoutSession(operation.store, pathParam('id'));
      if (session.status !== 'open') {
        throw invalidState(
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
        );
      }
      expireCheckoutSession(operation, session);
      return render(operation.store, session);
    },
  },
];
