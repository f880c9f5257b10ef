import { invalidState, invalidValue, noSuchResource } from '../api-error';
import { PAGINATION_PARAMS, paginate } from '../lists';
import { previousAttributes } from '../operation';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { ProductObject } from '../types';
import { applyProductParams, createPrice, createProduct, requireProduct } from './catalog';

const CREATE_PARAMS = [
  'name',
  'active',
  'default_price_data',
  'description',
  'id',
  'images',
  'marketing_features',
  'metadata',
  'package_dimensions',
  'shippable',
  'statement_descriptor',
  'tax_code',
  'tax_details',
  'type',
  'unit_label',
  'url',
];
const UPDATE_PARAMS = [
  'active',
  'default_price',
  'description',
  'images',
  'marketing_features',
  'metadata',
  'name',
  'package_dimensions',
  'shippable',
  'statement_descriptor',
  'tax_code',
  'tax_details',
  'unit_label',
  'url',
];

function handleCreate({ params, operation }: ApiRequest): ProductObject {
  params.rejectUnknown(CREATE_PARAMS);
  const defaultPriceData = params.hash('default_price_data');
  const product = createProduct(operation, params);
  if (defaultPriceData) {
    defaultPriceData.rejectUnknown([
      'currency',
      'currency_options',
      'custom_unit_amount',
      'metadata',
      'recurring',
      'tax_behavior',
      'unit_amount',
      'unit_amount_decimal',
    ]);
    const price = createPrice(operation, defaultPriceData, product);
    product.default_price = price.id;
  }
  return render(operation.store, product);
}

function handleUpdate({ pathParam, params, operation }: ApiRequest): ProductObject {
  const { store } = operation;
  const product = requireProduct(store, pathParam('id'), 'id', 'path');
  params.rejectUnknown(UPDATE_PARAMS);
  const before = operation.snapshot(product);
  applyProductParams(product, params);
  const defaultPrice = params.nullableString('default_price');
  if (defaultPrice) {
    const price = store.prices.get(defaultPrice);
    if (!price) throw noSuchResource('price', defaultPrice, 'default_price', 'param');
    if (price.product !== product.id) {
      throw invalidValue(
        'default_price',
        `The price \`${price.id}\` cannot be set as the default price of product \`${product.id}\` because it belongs to a different product.`,
      );
    }
  }
  if (defaultPrice !== undefined) product.default_price = defaultPrice;
  if (previousAttributes(before, operation.snapshot(product))) product.updated = operation.now();
  operation.emitUpdated('product.updated', before, product);
  return render(store, product);
}

export const productRoutes: Route[] = [
  { method: 'POST', path: '/v1/products', handler: handleCreate },
  {
    method: 'GET',
    path: '/v1/products',
    handler: ({ params, operation: { store } }) => {
      params.rejectUnknown([...PAGINATION_PARAMS, 'active', 'ids', 'shippable', 'type', 'url']);
      const active = params.boolean('active');
      const ids = params.stringList('ids');
      return paginate(params, store.products.newestFirst(), {
        url: '/v1/products',
        resourceName: 'product',
        render: (product) => render(store, product),
        matches: (product) =>
          (active === undefined || product.active === active) &&
          (ids === undefined || ids.includes(product.id)),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/products/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return render(store, requireProduct(store, pathParam('id'), 'id', 'path'));
    },
  },
  { method: 'POST', path: '/v1/products/:id', handler: handleUpdate },
  {
    method: 'DELETE',
    path: '/v1/products/:id',
    handler: ({ pathParam, params, operation }) => {
      params.rejectUnknown([]);
      const product = requireProduct(operation.store, pathParam('id'), 'id', 'path');
      if (operation.store.prices.all().some((price) => price.product === product.id)) {
        throw invalidState('This product cannot be deleted because it has one or more user-created prices.');
      }
      operation.store.products.delete(product.id);
      operation.emit('product.deleted', product);
      return { id: product.id, object: 'product', deleted: true };
    },
  },
];
