import type Stripe from 'stripe';
import { fromTemplate } from './fixtures';
import { newId } from './ids';
import { render } from './render';
import type { Store } from './store';
import type { StripeClock } from './time';
import type { EventObject, EventRequestInfo, StripeObject } from './types';

export interface DoubleSettings {
  /** `api_version` on events: the version of the account's webhook endpoint. */
  apiVersion: string;
  /** `pending_webhooks` on events: how many endpoints have not yet acknowledged them. */
  pendingWebhooks: number;
  /** Stamps `created` and every other time the double sets. */
  clock: StripeClock;
}

/** Events caused by Stripe itself (renewals, retries, a customer on Checkout) carry no request. */
export const AUTOMATIC_REQUEST: EventRequestInfo = { id: null, idempotency_key: null };

/**
 * One unit of work against the store: an API request or a scenario step. It stamps the events it
 * causes with the request that caused them and remembers them for whoever drove it.
 */
export class Operation {
  readonly events: EventObject[] = [];

  constructor(
    readonly store: Store,
    private readonly settings: DoubleSettings,
    readonly request: EventRequestInfo = AUTOMATIC_REQUEST,
  ) {}

  now(): number {
    return this.settings.clock.now();
  }

  /** Records an event whose `data.object` is a snapshot of the object as it is now. */
  emit(
    type: Stripe.Event.Type,
    object: StripeObject,
    previousAttributes?: Record<string, unknown>,
  ): EventObject {
    const data: EventObject['data'] = { object: render(this.store, object) };
    if (previousAttributes) data.previous_attributes = previousAttributes;
    const event = fromTemplate<EventObject>('event', {
      id: newId('evt'),
      object: 'event',
      api_version: this.settings.apiVersion,
      created: this.now(),
      data,
      livemode: false,
      pending_webhooks: this.settings.pendingWebhooks,
      request: { ...this.request },
      type,
    });
    this.store.events.insert(event);
    this.events.push(event);
    return event;
  }

  /**
   * Records an `*.updated` event from a snapshot taken before the change, or nothing when nothing
   * changed (Stripe sends no event for a no-op update).
   */
  emitUpdated(type: Stripe.Event.Type, before: StripeObject, object: StripeObject): EventObject | undefined {
    const changes = previousAttributes(before, render(this.store, object));
    return changes ? this.emit(type, object, changes) : undefined;
  }

  snapshot<T extends StripeObject>(object: T): T {
    return render(this.store, object);
  }
}

function isPlainHash(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { object?: unknown }).object !== 'list'
  );
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) =>
    deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/**
 * Stripe's `previous_attributes`: the old values of changed fields only. Hashes are diffed key by
 * key (a key that did not exist shows as null); arrays and lists are given whole.
 */
export function previousAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const changes: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const oldValue = before[key];
    const newValue = after[key];
    if (deepEqual(oldValue, newValue)) continue;
    changes[key] =
      isPlainHash(oldValue) && isPlainHash(newValue)
        ? previousAttributes(oldValue, newValue)
        : (oldValue ?? null);
  }
  return Object.keys(changes).length > 0 ? changes : undefined;
}
