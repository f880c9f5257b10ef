import type {
  ChargeObject,
  CheckoutSessionExtras,
  CheckoutSessionObject,
  CustomerObject,
  EventObject,
  InvoiceLineItemObject,
  InvoiceObject,
  InvoicePaymentObject,
  MeterEventObject,
  MeterObject,
  PaymentIntentObject,
  PortalSessionObject,
  PriceObject,
  ProductObject,
  RefundObject,
  StripeObject,
  SubscriptionObject,
} from './types';

/** Objects of one resource, in creation order. */
export class Collection<T extends StripeObject> {
  private readonly byId = new Map<string, T>();

  insert(object: T): T {
    this.byId.set(object.id, object);
    return object;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** Newest first, the order of every Stripe list endpoint. */
  newestFirst(): T[] {
    return [...this.byId.values()].reverse();
  }

  all(): T[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }

  copyEntries(): Map<string, T> {
    return structuredClone(this.byId);
  }

  replaceEntries(entries: Map<string, T>): void {
    this.byId.clear();
    for (const [id, object] of entries) this.byId.set(id, object);
  }
}

/**
 * Every object but events, as JSON: what one double holds, for a later double to start from (a test
 * of a database filled long ago against another double, whose ids the database names).
 */
export interface StoreSnapshot {
  objects: Record<SnapshotCollection, StripeObject[]>;
  checkoutSessionExtras: Record<string, CheckoutSessionExtras>;
  pendingProrations: Record<string, InvoiceLineItemObject[]>;
}

const SNAPSHOT_COLLECTIONS = [
  'customers',
  'products',
  'prices',
  'checkoutSessions',
  'subscriptions',
  'invoices',
  'invoicePayments',
  'paymentIntents',
  'charges',
  'refunds',
  'portalSessions',
  'meters',
  'meterEvents',
] as const;
type SnapshotCollection = (typeof SNAPSHOT_COLLECTIONS)[number];

/** The store's state before a request, to undo what a failed request had already changed. */
export interface StoreCheckpoint {
  collections: Map<string, StripeObject>[];
  eventIds: Set<string>;
  checkoutSessionExtras: Map<string, CheckoutSessionExtras>;
  pendingProrations: Map<string, InvoiceLineItemObject[]>;
}

export class Store {
  readonly customers = new Collection<CustomerObject>();
  readonly products = new Collection<ProductObject>();
  readonly prices = new Collection<PriceObject>();
  readonly checkoutSessions = new Collection<CheckoutSessionObject>();
  readonly subscriptions = new Collection<SubscriptionObject>();
  readonly invoices = new Collection<InvoiceObject>();
  readonly invoicePayments = new Collection<InvoicePaymentObject>();
  readonly paymentIntents = new Collection<PaymentIntentObject>();
  readonly charges = new Collection<ChargeObject>();
  readonly refunds = new Collection<RefundObject>();
  readonly portalSessions = new Collection<PortalSessionObject>();
  readonly meters = new Collection<MeterObject>();
  /** Keyed by identifier: Stripe keeps one event per identifier. */
  readonly meterEvents = new Collection<MeterEventObject>();
  readonly events = new Collection<EventObject>();

  /** What a checkout session was created with but does not show on the session object. */
  readonly checkoutSessionExtras = new Map<string, CheckoutSessionExtras>();
  /** Proration lines waiting for a subscription's next invoice (Stripe's pending invoice items). */
  readonly pendingProrations = new Map<string, InvoiceLineItemObject[]>();

  /** Every collection but events, which are only ever appended. */
  private get mutableCollections(): Collection<StripeObject>[] {
    return [
      this.customers,
      this.products,
      this.prices,
      this.checkoutSessions,
      this.subscriptions,
      this.invoices,
      this.invoicePayments,
      this.paymentIntents,
      this.charges,
      this.refunds,
      this.portalSessions,
      this.meters,
      this.meterEvents,
    ] as Collection<StripeObject>[];
  }

  private get collections(): Collection<StripeObject>[] {
    return [...this.mutableCollections, this.events];
  }

  /** Looks an id up in every resource; product ids can be chosen by the caller, so no prefix map. */
  findById(id: string): StripeObject | undefined {
    for (const collection of this.collections) {
      const found = collection.get(id);
      if (found) return found;
    }
    return undefined;
  }

  checkpoint(): StoreCheckpoint {
    return {
      collections: this.mutableCollections.map((collection) => collection.copyEntries()),
      eventIds: new Set(this.events.all().map((event) => event.id)),
      checkoutSessionExtras: structuredClone(this.checkoutSessionExtras),
      pendingProrations: structuredClone(this.pendingProrations),
    };
  }

  /** Stripe requests are atomic: a request that fails validation midway leaves nothing behind. */
  rollback(checkpoint: StoreCheckpoint): void {
    this.mutableCollections.forEach((collection, index) => {
      const entries = checkpoint.collections[index];
      if (!entries) throw new Error('A checkpoint taken of a store with other collections');
      collection.replaceEntries(entries);
    });
    for (const event of this.events.all()) {
      if (!checkpoint.eventIds.has(event.id)) this.events.delete(event.id);
    }
    replaceMap(this.checkoutSessionExtras, checkpoint.checkoutSessionExtras);
    replaceMap(this.pendingProrations, checkpoint.pendingProrations);
  }

  snapshot(): StoreSnapshot {
    return structuredClone({
      objects: Object.fromEntries(
        SNAPSHOT_COLLECTIONS.map((name) => [name, (this[name] as Collection<StripeObject>).all()]),
      ) as StoreSnapshot['objects'],
      checkoutSessionExtras: Object.fromEntries(this.checkoutSessionExtras),
      pendingProrations: Object.fromEntries(this.pendingProrations),
    });
  }

  /** Adds a snapshot's objects, in their creation order, to what the store holds. */
  restore(snapshot: StoreSnapshot): void {
    const copy = structuredClone(snapshot);
    for (const name of SNAPSHOT_COLLECTIONS) {
      const collection = this[name] as Collection<StripeObject>;
      for (const object of copy.objects[name] ?? []) collection.insert(object);
    }
    for (const [id, extras] of Object.entries(copy.checkoutSessionExtras)) {
      this.checkoutSessionExtras.set(id, extras);
    }
    for (const [id, lines] of Object.entries(copy.pendingProrations)) this.pendingProrations.set(id, lines);
  }

  clear(): void {
    for (const collection of this.collections) collection.clear();
    this.checkoutSessionExtras.clear();
    this.pendingProrations.clear();
  }
}

function replaceMap<K, V>(target: Map<K, V>, source: Map<K, V>): void {
  target.clear();
  for (const [key, value] of source) target.set(key, value);
}
