import Stripe from 'stripe';
import { defaultErrorBodyForStatus, type StripeErrorBody } from './api-error';
import { FaultSwitchboard, HeldResponses, type FaultScope } from './faults';
import { IdempotencyCache } from './idempotency';
import type { DoubleSettings } from './operation';
import { render } from './render';
import { RequestPipeline, type PipelineParts } from './request-pipeline';
import { RequestLog, type RecordedRequest, type RequestFilter } from './request-log';
import { routes } from './resources';
import { Scenarios } from './scenarios';
import { LoopbackServer } from './server';
import { signedWebhook, type SignedWebhook, type SigningOptions } from './signing';
import { Store, type StoreSnapshot } from './store';
import { StripeLoad, summarizeTraffic, type StripeBehaviour, type TrafficSummary } from './stripe-load';
import { StripeClock } from './time';
import type { EventObject, MeterEventObject, MeterEventRecord, StripeObject } from './types';

export interface StripeDoubleOptions {
  /** Accept only this secret key (401 for any other); by default any `sk_test_…` is accepted. */
  apiKey?: string;
  /** `api_version` stamped on events; defaults to the version the installed stripe package pins. */
  apiVersion?: string;
  /** `pending_webhooks` on events; defaults to 1 (one endpoint that has not acknowledged yet). */
  pendingWebhooks?: number;
}

/** Where the stripe client must send requests: `new Stripe(key, double.clientOptions())`. */
export interface StripeClientOptions {
  host: string;
  port: number;
  protocol: 'http';
}

export interface FailOptions extends FaultScope {
  status: number;
  /** Merged over the body Stripe sends for `status` (api_error for 5xx, card_error for 402, …). */
  error?: Partial<StripeErrorBody>;
  /** e.g. `{ 'stripe-should-retry': 'false' }`. */
  headers?: Record<string, string>;
}

export interface HangOptions extends FaultScope {
  /** Answer after this many milliseconds; without it the request is never answered. */
  delayMs?: number;
  /** Apply the request first, so only the answer is lost or late. Defaults to false. */
  afterProcessing?: boolean;
}

export interface DropOptions extends FaultScope {
  /** Apply the request first, then drop the connection. Defaults to false. */
  afterProcessing?: boolean;
}

/**
 * An in-memory Stripe API on 127.0.0.1 for end-to-end tests, reached by the real `stripe` client.
 * See README.md for how tests use it.
 */
export class StripeDouble {
  /** A key the double accepts unless started with `apiKey`. */
  static readonly testSecretKey = 'sk_test_stripe_double';

  readonly scenarios: Scenarios;
  /** Stripe's time here: `clock.advance(seconds)` moves it forward (`reset()` puts it back). */
  readonly clock: StripeClock;

  private constructor(
    private readonly server: LoopbackServer,
    private readonly parts: PipelineParts,
    settings: DoubleSettings,
  ) {
    this.scenarios = new Scenarios(parts.store, settings);
    this.clock = settings.clock;
  }

  static async start(options: StripeDoubleOptions = {}): Promise<StripeDouble> {
    const settings: DoubleSettings = {
      apiVersion: options.apiVersion ?? Stripe.API_VERSION,
      pendingWebhooks: options.pendingWebhooks ?? 1,
      clock: new StripeClock(),
    };
    const parts: PipelineParts = {
      store: new Store(),
      settings,
      routes,
      requestLog: new RequestLog(),
      faults: new FaultSwitchboard(),
      heldResponses: new HeldResponses(),
      idempotency: new IdempotencyCache(),
      load: new StripeLoad(),
      apiKey: options.apiKey,
    };
    const server = await LoopbackServer.listen(new RequestPipeline(parts).handle);
    return new StripeDouble(server, parts, settings);
  }

  private get store(): Store {
    return this.parts.store;
  }

  get port(): number {
    return this.server.port;
  }

  /** `http://127.0.0.1:<port>`, e.g. for `STRIPE_API_BASE`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  clientOptions(): StripeClientOptions {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  /** A real stripe client pointed at the double, for seeding data from a test. */
  createClient(config: Stripe.StripeConfig = {}): Stripe {
    return new Stripe(this.parts.apiKey ?? StripeDouble.testSecretKey, {
      ...config,
      ...this.clientOptions(),
    });
  }

  /** Requests received so far, oldest first, optionally filtered (`path` may be `/v1/x/:id`). */
  requests(filter: RequestFilter = {}): RecordedRequest[] {
    return this.parts.requestLog.find(filter);
  }

  lastRequest(filter: RequestFilter = {}): RecordedRequest | undefined {
    return this.requests(filter).at(-1);
  }

  clearRequests(): void {
    this.parts.requestLog.clear();
  }

  /**
   * Requests per second and 429s among the requests received (optionally filtered), e.g. to check a
   * client kept within `maxRps`: `traffic().peakPerSecond`, `traffic().rateLimited`.
   */
  traffic(filter: RequestFilter = {}): TrafficSummary {
    return summarizeTraffic(this.requests(filter));
  }

  /** Events the double has recorded, oldest first (the API lists them newest first). */
  events(filter: { type?: Stripe.Event.Type } = {}): EventObject[] {
    return this.store.events
      .all()
      .filter((event) => filter.type === undefined || event.type === filter.type)
      .map((event) => render(this.store, event));
  }

  /**
   * Meter events Stripe has taken, oldest first, optionally for one customer (by the meter's
   * customer key, `stripe_customer_id` by default) and one event name.
   */
  meterEvents(filter: { customer?: string; eventName?: string } = {}): MeterEventRecord[] {
    return this.store.meterEvents
      .all()
      .filter((event) => filter.eventName === undefined || event.event_name === filter.eventName)
      .filter((event) => filter.customer === undefined || this.customerOf(event) === filter.customer)
      .map(({ id: _id, ...event }) => structuredClone(event) as MeterEventRecord);
  }

  /** What the meter would bill the customer: the sum of the values of their meter events. */
  meterEventTotal(filter: { customer: string; eventName: string }): number {
    return this.meterEvents(filter).reduce((total, event) => total + Number(this.valueOf(event)), 0);
  }

  private meterOf(event: MeterEventObject | MeterEventRecord) {
    return this.store.meters.all().find((meter) => meter.event_name === event.event_name);
  }

  private customerOf(event: MeterEventObject): string | undefined {
    return event.payload[this.meterOf(event)?.customer_mapping.event_payload_key ?? 'stripe_customer_id'];
  }

  private valueOf(event: MeterEventRecord): string {
    return event.payload[this.meterOf(event)?.value_settings.event_payload_key ?? 'value'] ?? '1';
  }

  /** Any stored object by id, as the API would return it, for assertions on Stripe's state. */
  retrieve<T extends StripeObject = StripeObject>(id: string): T | undefined {
    const object = this.store.findById(id);
    return object ? (render(this.store, object) as T) : undefined;
  }

  /** The next matching request(s) get an error answer: `failNext({ status: 500 })`. */
  failNext(options: FailOptions): void {
    const { status, error, headers, ...scope } = options;
    this.parts.faults.arm(
      {
        kind: 'fail',
        status,
        error: { ...defaultErrorBodyForStatus(status), ...error },
        headers: headers ?? {},
      },
      scope,
    );
  }

  /** The next matching request(s) are answered late, or never. */
  hangNext(options: HangOptions = {}): void {
    const { delayMs, afterProcessing, ...scope } = options;
    this.parts.faults.arm({ kind: 'hang', delayMs, afterProcessing: afterProcessing ?? false }, scope);
  }

  /** The next matching request(s) lose their connection (the client sees ECONNRESET). */
  dropNext(options: DropOptions = {}): void {
    const { afterProcessing, ...scope } = options;
    this.parts.faults.arm({ kind: 'drop', afterProcessing: afterProcessing ?? false }, scope);
  }

  /**
   * Answers like Stripe under load until `behaveInstantly()` or `reset()`: every answer after the
   * latency, and requests beyond the rate limits answered 429 as Stripe does (`Stripe-Rate-Limited-Reason`,
   * no `Stripe-Should-Retry`). Without arguments: Stripe's test mode as measured from outside,
   * 80–300 ms, 25 requests per second in all and 25 per endpoint.
   */
  behaveLikeStripe(
    behaviour: StripeBehaviour = { latencyMs: [80, 300], maxRps: 25, maxRpsPerEndpoint: 25 },
  ): void {
    this.parts.load.set(behaviour);
  }

  /** Answers at once and without rate limits again (the default). */
  behaveInstantly(): void {
    this.parts.load.set(undefined);
  }

  /** Disarms every fault switch and lets go of answers held by hangs. */
  clearFaults(): void {
    this.parts.faults.clear();
    this.parts.heldResponses.releaseAll();
  }

  /** How many more requests armed faults will intercept. */
  pendingFaults(): number {
    return this.parts.faults.pendingCount();
  }

  /** Every object but events, as JSON (see `restore`). */
  snapshot(): StoreSnapshot {
    return this.store.snapshot();
  }

  /** Starts from another double's objects, ids included (events are not carried over). */
  restore(snapshot: StoreSnapshot): void {
    this.store.restore(snapshot);
  }

  signedWebhook(event: object, secret: string, options: SigningOptions = {}): SignedWebhook {
    return signedWebhook(event, secret, options);
  }

  /**
   * Forgets all objects, events, requests, idempotency keys and faults, puts the clock back and answers
   * instantly again.
   */
  reset(): void {
    this.behaveInstantly();
    this.store.clear();
    this.clock.reset();
    this.parts.requestLog.clear();
    this.parts.idempotency.clear();
    this.clearFaults();
  }

  async stop(): Promise<void> {
    this.parts.heldResponses.releaseAll();
    await this.server.close();
  }
}
