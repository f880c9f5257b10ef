import { exclusiveParams, invalidParam, invalidValue, missingParam, noSuchResource } from '../api-error';
import { fromTemplate } from '../fixtures';
import { newId } from '../ids';
import type { Operation } from '../operation';
import { applyMetadata, type ParamReader } from '../params';
import { planFromPrice } from '../render';
import type { Store } from '../store';
import type { PriceObject, PriceRecurring, ProductObject, RecurringInterval } from '../types';

// Products and prices as several endpoints create them: their own endpoints, `default_price_data`
// on products, `product_data` on prices and `price_data` on Checkout line items.

export const INTERVALS: readonly RecurringInterval[] = ['day', 'week', 'month', 'year'];
export const TAX_BEHAVIORS = ['exclusive', 'inclusive', 'unspecified'] as const;

export function requireProduct(
  store: Store,
  id: string,
  param: string,
  location: 'path' | 'param',
): ProductObject {
  const product = store.products.get(id);
  if (!product) throw noSuchResource('product', id, param, location);
  return product;
}

export function applyProductParams(product: ProductObject, params: ParamReader): void {
  const name = params.string('name');
  if (name !== undefined) {
    if (name === '') throw invalidValue('name', 'You must provide a non-empty name.');
    product.name = name;
  }
  const active = params.boolean('active');
  if (active !== undefined) product.active = active;
  const description = params.nullableString('description');
  if (description !== undefined) product.description = description;
  const url = params.nullableString('url');
  if (url !== undefined) product.url = url;
  const images = params.stringList('images');
  if (images !== undefined) product.images = images;
  const unitLabel = params.nullableString('unit_label');
  if (unitLabel !== undefined) product.unit_label = unitLabel;
  product.metadata = applyMetadata(product.metadata, params.metadata());
}

/** Creates a product; used by `POST /v1/products` and by `product_data` on prices. */
export function createProduct(operation: Operation, params: ParamReader): ProductObject {
  const now = operation.now();
  const id = params.string('id') ?? newId('prod');
  if (operation.store.products.has(id)) {
    throw invalidParam('id', 'Product already exists.', 'resource_already_exists');
  }
  const product = fromTemplate<ProductObject>('product', {
    id,
    object: 'product',
    created: now,
    updated: now,
    active: true,
    name: params.requiredString('name'),
    description: null,
    default_price: null,
    metadata: {},
  });
  applyProductParams(product, params);
  operation.store.products.insert(product);
  operation.emit('product.created', product);
  return product;
}

export function requirePrice(
  store: Store,
  id: string,
  param: string,
  location: 'path' | 'param',
): PriceObject {
  const price = store.prices.get(id);
  if (!price) throw noSuchResource('price', id, param, location);
  return price;
}

function readRecurring(store: Store, params: ParamReader): PriceRecurring | null {
  const recurring = params.hash('recurring');
  if (!recurring) return null;
  recurring.rejectUnknown(['interval', 'interval_count', 'meter', 'trial_period_days', 'usage_type']);
  const interval = recurring.requiredOneOf('interval', INTERVALS);
  const intervalCount = recurring.integer('interval_count', { min: 1 }) ?? 1;
  const maxCount = { day: 365, week: 52, month: 12, year: 1 }[interval];
  if (intervalCount > maxCount) {
    throw invalidValue(
      recurring.pathOf('interval_count'),
      'The maximum interval length for a recurring price is 1 year (1 year, 12 months, or 52 weeks).',
    );
  }
  const usageType = recurring.oneOf('usage_type', ['licensed', 'metered']) ?? 'licensed';
  const meter = recurring.string('meter') ?? null;
  // Since API version 2025-03-31 a metered price bills a Billing Meter (usage records are gone).
  if (usageType === 'metered' && !meter) {
    throw invalidValue(recurring.pathOf('meter'), 'A meter is required when `usage_type` is `metered`.');
  }
  if (meter && usageType !== 'metered') {
    throw invalidValue(recurring.pathOf('meter'), 'A meter can only be set when `usage_type` is `metered`.');
  }
  if (meter) {
    const found = store.meters.get(meter);
    if (!found) throw noSuchResource('billing.meter', meter, recurring.pathOf('meter'), 'param');
    if (found.status !== 'active') {
      throw invalidValue(recurring.pathOf('meter'), `The meter \`${meter}\` is not active.`);
    }
  }
  return {
    interval,
    interval_count: intervalCount,
    meter,
    trial_period_days: recurring.integer('trial_period_days', { min: 0 }) ?? null,
    usage_type: usageType,
  };
}

export function isMetered(price: PriceObject): boolean {
  return price.recurring?.usage_type === 'metered';
}

function readUnitAmount(params: ParamReader): { amount: number | null; decimal: string | null } {
  const amount = params.integer('unit_amount', { min: 0 });
  const decimal = params.string('unit_amount_decimal');
  if (amount !== undefined && decimal !== undefined) {
    throw exclusiveParams([params.pathOf('unit_amount'), params.pathOf('unit_amount_decimal')]);
  }
  if (amount !== undefined) return { amount, decimal: String(amount) };
  if (decimal !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(decimal)) {
      throw invalidValue(params.pathOf('unit_amount_decimal'), `Invalid decimal: ${decimal}`);
    }
    return { amount: Math.round(Number(decimal)), decimal };
  }
  // Pay-what-you-want and tiered prices have no unit amount.
  if (params.has('custom_unit_amount') || params.string('billing_scheme') === 'tiered') {
    return { amount: null, decimal: null };
  }
  throw missingParam(params.pathOf('unit_amount'));
}

/** Lookup keys are unique per account; `transfer_lookup_key` moves one from its current price. */
export function claimLookupKey(
  operation: Operation,
  params: ParamReader,
  lookupKey: string,
  exceptPriceId?: string,
): void {
  const holder = operation.store.prices
    .all()
    .find((price) => price.lookup_key === lookupKey && price.id !== exceptPriceId);
  if (!holder) return;
  if (!params.boolean('transfer_lookup_key')) {
    throw invalidValue('lookup_key', `A price (\`${holder.id}\`) already uses that lookup key.`);
  }
  const before = operation.snapshot(holder);
  holder.lookup_key = null;
  operation.emitUpdated('price.updated', before, holder);
}

/** Creates a price for a product; used by prices, `default_price_data` and `price_data`. */
export function createPrice(
  operation: Operation,
  params: ParamReader,
  product: ProductObject,
  options: { active?: boolean } = {},
): PriceObject {
  const currency = params.requiredString('currency').toLowerCase();
  const recurring = readRecurring(operation.store, params);
  const unitAmount = readUnitAmount(params);
  const lookupKey = params.string('lookup_key');
  if (lookupKey) claimLookupKey(operation, params, lookupKey);
  const price = fromTemplate<PriceObject>('price', {
    id: newId('price'),
    object: 'price',
    created: operation.now(),
    active: options.active ?? params.boolean('active') ?? true,
    currency,
    product: product.id,
    unit_amount: unitAmount.amount,
    unit_amount_decimal: unitAmount.decimal,
    recurring,
    type: recurring ? 'recurring' : 'one_time',
    lookup_key: lookupKey ?? null,
    nickname: params.string('nickname') ?? null,
    metadata: applyMetadata({}, params.metadata()),
  });
  price.tax_behavior = params.oneOf('tax_behavior', TAX_BEHAVIORS) ?? 'unspecified';
  operation.store.prices.insert(price);
  operation.emit('price.created', price);
  // Recurring prices still surface through the legacy Plans API and its events.
  if (recurring) operation.emit('plan.created', planFromPrice(price));
  return price;
}
