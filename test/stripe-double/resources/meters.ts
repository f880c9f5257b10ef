import { invalidParam, invalidValue, missingParam, noSuchResource } from '../api-error';
import { fromTemplate } from '../fixtures';
import { newId } from '../ids';
import { PAGINATION_PARAMS, paginate } from '../lists';
import type { ApiRequest, Route } from '../router';
import type { Store } from '../store';
import { SECONDS_PER_DAY } from '../time';
import type { MeterEventObject, MeterEventRecord, MeterFormula, MeterObject } from '../types';

const FORMULAS: readonly MeterFormula[] = ['count', 'last', 'sum'];
/** Stripe takes meter events up to 35 days old and up to 5 minutes ahead of its clock. */
const OLDEST_EVENT_SECONDS = 35 * SECONDS_PER_DAY;
const FUTURE_EVENT_SECONDS = 5 * 60;
const MAX_NAME_LENGTH = 100;

export function requireMeter(
  store: Store,
  id: string,
  param: string,
  location: 'path' | 'param',
): MeterObject {
  const meter = store.meters.get(id);
  if (!meter) throw noSuchResource('billing.meter', id, param, location);
  return meter;
}

function handleCreateMeter({ params, operation }: ApiRequest): MeterObject {
  params.rejectUnknown([
    'customer_mapping',
    'default_aggregation',
    'display_name',
    'event_name',
    'event_time_window',
    'value_settings',
  ]);
  const displayName = params.requiredString('display_name');
  const eventName = params.requiredString('event_name');
  if (eventName.length > MAX_NAME_LENGTH) {
    throw invalidValue('event_name', `Invalid event_name: must be at most ${MAX_NAME_LENGTH} characters`);
  }
  const aggregation = params.hash('default_aggregation');
  if (!aggregation) throw missingParam('default_aggregation');
  aggregation.rejectUnknown(['formula']);
  const formula = aggregation.requiredOneOf('formula', FORMULAS);
  const mapping = params.hash('customer_mapping');
  mapping?.rejectUnknown(['event_payload_key', 'type']);
  mapping?.oneOf('type', ['by_id']);
  const valueSettings = params.hash('value_settings');
  valueSettings?.rejectUnknown(['event_payload_key']);
  // An event name belongs to one meter.
  if (operation.store.meters.all().some((meter) => meter.event_name === eventName)) {
    throw invalidParam(
      'event_name',
      `A meter with event_name \`${eventName}\` already exists.`,
      'resource_already_exists',
    );
  }
  const now = operation.now();
  const meter = fromTemplate<MeterObject>('billingMeter', {
    id: newId('mtr'),
    object: 'billing.meter',
    created: now,
    updated: now,
    display_name: displayName,
    event_name: eventName,
    status: 'active',
    customer_mapping: {
      event_payload_key: mapping?.string('event_payload_key') ?? 'stripe_customer_id',
      type: 'by_id',
    },
    default_aggregation: { formula },
    value_settings: { event_payload_key: valueSettings?.string('event_payload_key') ?? 'value' },
    event_time_window: params.oneOf('event_time_window', ['day', 'hour'] as const) ?? null,
    livemode: false,
  });
  operation.store.meters.insert(meter);
  return structuredClone(meter);
}

/**
 * A meter event, checked at once. Stripe checks the meter, the customer and the value
 * asynchronously (and reports failures as `billing.meter.error_report_triggered`); the double
 * rejects such an event with a 400 so a test sees the mistake where it was made. An identifier it
 * has seen is rejected too (`resource_already_exists`): Stripe keeps one event per identifier for at
 * least 24 hours, and the double for as long as it runs. A retry with the first attempt's
 * Idempotency-Key gets the first answer instead, like any idempotent request.
 */
function handleCreateMeterEvent({ params, operation }: ApiRequest): MeterEventRecord {
  const { store } = operation;
  params.rejectUnknown(['event_name', 'identifier', 'payload', 'timestamp']);
  const eventName = params.requiredString('event_name');
  const payload = params.hash('payload');
  if (!payload) throw missingParam('payload');
  const meter = store.meters.all().find((candidate) => candidate.event_name === eventName);
  if (!meter || meter.status !== 'active') {
    throw invalidValue('event_name', `No active meter has the event_name \`${eventName}\`.`);
  }
  const customerKey = meter.customer_mapping.event_payload_key;
  const customerId = payload.string(customerKey);
  if (!customerId) throw missingParam(payload.pathOf(customerKey));
  const customer = store.customers.get(customerId);
  if (!customer || customer.deleted)
    throw noSuchResource('customer', customerId, payload.pathOf(customerKey), 'param');
  const valueKey = meter.value_settings.event_payload_key;
  const value = payload.string(valueKey);
  if (meter.default_aggregation.formula !== 'count') {
    if (value === undefined) throw missingParam(payload.pathOf(valueKey));
    if (!/^-?\d+$/.test(value)) {
      throw invalidValue(
        payload.pathOf(valueKey),
        `Invalid ${payload.pathOf(valueKey)}: must be a whole number`,
      );
    }
  }
  const now = operation.now();
  const timestamp = params.integer('timestamp') ?? now;
  if (timestamp < now - OLDEST_EVENT_SECONDS || timestamp > now + FUTURE_EVENT_SECONDS) {
    throw invalidValue(
      'timestamp',
      'The timestamp must be within the past 35 days and at most 5 minutes in the future.',
    );
  }
  const identifier = params.string('identifier') ?? newId('mtr').replace(/^mtr_/, '');
  if (identifier.length > MAX_NAME_LENGTH) {
    throw invalidValue('identifier', `Invalid identifier: must be at most ${MAX_NAME_LENGTH} characters`);
  }
  if (store.meterEvents.has(identifier)) {
    throw invalidParam(
      'identifier',
      `A meter event with identifier \`${identifier}\` already exists.`,
      'resource_already_exists',
    );
  }
  const event = fromTemplate<MeterEventObject>('billingMeterEvent', {
    id: identifier,
    object: 'billing.meter_event',
    created: now,
    event_name: eventName,
    identifier,
    payload: Object.fromEntries(Object.keys(payload.raw).map((key) => [key, String(payload.string(key))])),
    timestamp,
    livemode: false,
  });
  store.meterEvents.insert(event);
  const { id: _id, ...shown } = structuredClone(event);
  return shown;
}

export const meterRoutes: Route[] = [
  { method: 'POST', path: '/v1/billing/meters', handler: handleCreateMeter },
  {
    method: 'GET',
    path: '/v1/billing/meters',
    handler: ({ params, operation: { store } }) => {
      params.rejectUnknown([...PAGINATION_PARAMS, 'status']);
      const status = params.oneOf('status', ['active', 'inactive']);
      return paginate(params, store.meters.newestFirst(), {
        url: '/v1/billing/meters',
        resourceName: 'billing.meter',
        render: (meter) => structuredClone(meter),
        matches: (meter) => status === undefined || meter.status === status,
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/billing/meters/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return structuredClone(requireMeter(store, pathParam('id'), 'id', 'path'));
    },
  },
  { method: 'POST', path: '/v1/billing/meter_events', handler: handleCreateMeterEvent, writesLast: true },
];
