import { exclusiveParams, missingParam } from '../api-error';
import { PAGINATION_PARAMS, paginate } from '../lists';
import { applyMetadata } from '../params';
import { planFromPrice, render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { PriceObject, ProductObject } from '../types';
import {
  claimLookupKey,
  createPrice,
  createProduct,
  INTERVALS,
  requirePrice,
  requireProduct,
  TAX_BEHAVIORS,
} from './catalog';

const CREATE_PARAMS = [
  'currency',
  'active',
  'billing_scheme',
  'currency_options',
  'custom_unit_amount',
  'lookup_key',
  'metadata',
  'nickname',
  'product',
  'product_data',
  'recurring',
  'tax_behavior',
  'tiers',
  'tiers_mode',
  'transfer_lookup_key',
  'transform_quantity',
  'unit_amount',
  'unit_amount_decimal',
];
const UPDATE_PARAMS = [
  'active',
  'currency_options',
  'lookup_key',
  'metadata',
  'nickname',
  'tax_behavior',
  'transfer_lookup_key',
];

function handleCreate({ params, operation }: ApiRequest): PriceObject {
  params.rejectUnknown(CREATE_PARAMS);
  const productId = params.string('product');
  const productData = params.hash('product_data');
  if (productId && productData) throw exclusiveParams(['product', 'product_data']);
  let product: ProductObject;
  if (productId) {
    product = requireProduct(operation.store, productId, 'product', 'param');
  } else if (productData) {
    productData.rejectUnknown([
      'name',
      'active',
      'id',
      'metadata',
      'statement_descriptor',
      'tax_code',
      'tax_details',
      'unit_label',
    ]);
    product = createProduct(operation, productData);
  } else {
    throw missingParam('product');
  }
  return render(operation.store, createPrice(operation, params, product));
}

function handleUpdate({ pathParam, params, operation }: ApiRequest): PriceObject {
  const price = requirePrice(operation.store, pathParam('id'), 'id', 'path');
  params.rejectUnknown(UPDATE_PARAMS);
  const before = operation.snapshot(price);
  const active = params.boolean('active');
  if (active !== undefined) price.active = active;
  const nickname = params.nullableString('nickname');
  if (nickname !== undefined) price.nickname = nickname;
  const lookupKey = params.nullableString('lookup_key');
  if (lookupKey) claimLookupKey(operation, params, lookupKey, price.id);
  if (lookupKey !== undefined) price.lookup_key = lookupKey;
  const taxBehavior = params.oneOf('tax_behavior', TAX_BEHAVIORS);
  if (taxBehavior) price.tax_behavior = taxBehavior;
  price.metadata = applyMetadata(price.metadata, params.metadata());
  const event = operation.emitUpdated('price.updated', before, price);
  if (event && price.recurring) {
    operation.emit('plan.updated', planFromPrice(price), event.data.previous_attributes);
  }
  return render(operation.store, price);
}

function handleList({ params, operation: { store } }: ApiRequest) {
  params.rejectUnknown([
    ...PAGINATION_PARAMS,
    'active',
    'currency',
    'lookup_keys',
    'product',
    'recurring',
    'type',
  ]);
  const active = params.boolean('active');
  const currency = params.string('currency')?.toLowerCase();
  const product = params.string('product');
  const type = params.oneOf('type', ['one_time', 'recurring']);
  const lookupKeys = params.stringList('lookup_keys');
  const recurring = params.hash('recurring');
  recurring?.rejectUnknown(['interval', 'meter', 'usage_type']);
  const interval = recurring?.oneOf('interval', INTERVALS);
  return paginate(params, store.prices.newestFirst(), {
    url: '/v1/prices',
    resourceName: 'price',
    render: (price) => render(store, price),
    matches: (price) =>
      (active === undefined || price.active === active) &&
      (currency === undefined || price.currency === currency) &&
      (product === undefined || price.product === product) &&
      (type === undefined || price.type === type) &&
      (lookupKeys === undefined || lookupKeys.includes(price.lookup_key ?? '')) &&
      (interval === undefined || price.recurring?.interval === interval),
  });
}

export const priceRoutes: Route[] = [
  { method: 'POST', path: '/v1/prices', handler: handleCreate },
  { method: 'GET', path: '/v1/prices', handler: handleList },
  {
    method: 'GET',
    path: '/v1/prices/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return render(store, requirePrice(store, pathParam('id'), 'id', 'path'));
    },
  },
  { method: 'POST', path: '/v1/prices/:id', handler: handleUpdate },
];
