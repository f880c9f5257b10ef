import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { EmbeddedDatabase, startEmbeddedDatabase } from '../../src/database/embedded-database';
import { applyMigrations } from '../../src/database/migrations/migration-runner';
import type { EventObject, Scenarios } from '../stripe-double';
import { StripeDouble } from '../stripe-double';
import { bearer, TestAccount } from './accounts';
import { AdminCredentials, uniquePlanKey } from './admin';
import { proPlanBody } from './plan-bodies';
import { api, TestServer } from './test-app';
import { provideTestDatabase, TestDatabaseServer } from './test-database';

export const WEBHOOK_PATH = '/v1/webhooks/stripe';
export const WEBHOOK_SECRET = 'whsec_tollgate_billing_e2e';
export const GRACE_DAYS = 5; // not the default (3), so the setting is seen to be read
export const DAY_MS = 24 * 3600 * 1000;

/** What every billing suite's server needs: the double, the signing secret, fast retries. */
export function billingEnvironment(
  stripe: StripeDouble,
  admin: AdminCredentials,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...admin,
    STRIPE_SECRET_KEY: StripeDouble.testSecretKey,
    STRIPE_API_BASE: stripe.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_TIMEOUT_MS: '2000',
    BILLING_GRACE_DAYS: String(GRACE_DAYS),
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_WORKER_INTERVAL_MS: '100',
    ...extra,
  };
}

/**
 * A database of the suite's PostgreSQL server for one test file, migrated. The webhook inbox and its
 * background worker are shared by every server on a database, so billing suites keep theirs apart
 * from other files' servers (whose Stripe doubles know nothing of these events).
 */
export async function isolatedDatabase(): Promise<TestDatabaseServer> {
  const database = await provideTestDatabase();
  await applyMigrations(database.url);
  return database;
}

/** A PostgreSQL server of its own that a test can stop and start again on the same port. */
export interface StoppableDatabase {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

export async function stoppableDatabase(label: string): Promise<StoppableDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `tollgate-${label}-`));
  let database: EmbeddedDatabase | undefined = await startEmbeddedDatabase({
    dataDir,
    port: 0,
    databaseName: label,
  });
  const url = database.url;
  const port = Number(new URL(url).port);
  await applyMigrations(url);
  return {
    url,
    async stop() {
      await database?.stop();
      database = undefined;
    },
    async start() {
      database = await startEmbeddedDatabase({ dataDir, port, databaseName: label });
    },
    async remove() {
      await database?.stop();
      database = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `check` until it stops throwing (jest assertions inside it) and returns its value; after
 * `timeoutMs` rethrows the last failure, so the report shows the assertion that never held.
 */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------- plans

export interface PriceBody {
  id: string;
  stripePriceId: string;
  interval: 'month' | 'year' | 'one_time';
  amount: number;
  currency: string;
  credits: number | null;
  perSeat: boolean;
  active: boolean;
}

export interface PlanBody {
  key: string;
  name: string;
  stripeProductId: string;
  features: { key: string; limit: number | null }[];
  prices: PriceBody[];
}

/** A paid plan: `reports` and unlimited `projects`, monthly and yearly, no trial. */
export function paidPlan(key = uniquePlanKey('pro')) {
  return proPlanBody(key);
}

/** A plan that only sells a one-time pack of `credits` for $5. */
export function creditPackPlan(key = uniquePlanKey('credits'), credits = 100) {
  return {
    key,
    name: 'Credit pack',
    trialDays: 0,
    features: [],
    prices: [{ interval: 'one_time', amount: 500, currency: 'usd', credits }],
  };
}

export async function createPlan(
  server: TestServer,
  asAdmin: Record<string, string>,
  body: object = paidPlan(),
): Promise<PlanBody> {
  const response = await api(server).post('/v1/admin/plans').set(asAdmin).send(body).expect(201);
  return response.body as PlanBody;
}

export function priceOf(plan: PlanBody, interval: PriceBody['interval']): PriceBody {
  const price = plan.prices.find((candidate) => candidate.interval === interval);
  if (!price) throw new Error(`plan ${plan.key} has no ${interval} price`);
  return price;
}

// -------------------------------------------------------------------------------------------- webhooks

/** Delivers an event exactly as Stripe would: the signed bytes, unchanged. */
export function deliver(server: TestServer, stripe: StripeDouble, event: object) {
  const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET);
  return api(server).post(WEBHOOK_PATH).set(headers).set('content-type', 'application/json').send(body);
}

/** Delivers events one after the other, in order, each acknowledged with 200 `{received: true}`. */
export async function deliverAll(server: TestServer, stripe: StripeDouble, events: object[]): Promise<void> {
  for (const event of events) {
    const response = await deliver(server, stripe, event);
    if (response.status !== 200) {
      const { id, type } = event as EventObject;
      throw new Error(`${type} ${id} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    expect(response.body).toEqual({ received: true });
  }
}

/** A delivery that tolerates the server going away: the status, or null when the connection broke. */
export async function deliverRaw(
  baseUrl: string,
  stripe: StripeDouble,
  event: object,
): Promise<number | null> {
  const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET);
  try {
    const response = await fetch(`${baseUrl}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

export interface WebhookEventRow {
  id: string;
  type: string;
  status: 'pending' | 'processing' | 'processed' | 'failed' | 'ignored';
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  processedAt: string | null;
  nextAttemptAt: string | null;
}

export const WEBHOOK_STATUSES = ['pending', 'processed', 'failed', 'ignored'] as const;

export async function webhookEvents(
  server: TestServer,
  asAdmin: Record<string, string>,
  status: (typeof WEBHOOK_STATUSES)[number],
): Promise<WebhookEventRow[]> {
  const response = await api(server)
    .get('/v1/admin/webhook-events')
    .query({ status })
    .set(asAdmin)
    .expect(200);
  return (response.body as { data: WebhookEventRow[] }).data;
}

/** Every stored row with this Stripe event id, whatever its status (an event is stored once). */
export async function storedEvents(
  server: TestServer,
  asAdmin: Record<string, string>,
  eventId: string,
): Promise<WebhookEventRow[]> {
  const lists = await Promise.all(WEBHOOK_STATUSES.map((status) => webhookEvents(server, asAdmin, status)));
  return lists.flat().filter((row) => row.id === eventId);
}

// ---------------------------------------------------------------------------------------- the billing API

export interface SubscriptionSummary {
  status: string;
  plan: string;
  priceId: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: string | null;
  graceUntil: string | null;
  quantity: number;
  pausedAt: string | null;
}

export interface Entitlement {
  feature: string;
  limit: number | null;
  used: number;
}

export interface MeBody {
  id: string;
  name: string | null;
  /** The account the request acted for. */
  account: { id: string; name: string; personal: boolean; role: string };
  subscription: SubscriptionSummary | null;
  entitlements: Entitlement[];
  credits: { balance: number };
}

export interface AdminUserBody {
  user: { id: string };
  subscription: SubscriptionSummary | null;
  entitlements: Entitlement[];
  credits: {
    balance: number;
    ledger: { delta: number; balanceAfter: number; reason: string; createdAt: string }[];
  };
  billingEvents: { kind: string; cause: string; details: unknown; createdAt: string }[];
}

export async function checkout(
  server: TestServer,
  user: TestAccount,
  priceId: string,
): Promise<{ id: string; url: string }> {
  const response = await api(server).post('/v1/billing/checkout').set(bearer(user)).send({ priceId });
  if (response.status !== 201) {
    throw new Error(`checkout answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body as { id: string; url: string };
}

/** The subscription summary, or null on 404 `no_subscription`. */
export async function subscriptionOf(
  server: TestServer,
  user: TestAccount,
): Promise<SubscriptionSummary | null> {
  const response = await api(server).get('/v1/billing/subscription').set(bearer(user));
  if (response.status === 404) {
    expect(response.body).toMatchObject({ code: 'no_subscription' });
    return null;
  }
  expect(response.status).toBe(200);
  return response.body as SubscriptionSummary;
}

export async function me(server: TestServer, user: TestAccount): Promise<MeBody> {
  return (await api(server).get('/v1/me').set(bearer(user)).expect(200)).body as MeBody;
}

export async function adminUser(
  server: TestServer,
  asAdmin: Record<string, string>,
  userId: string,
): Promise<AdminUserBody> {
  return (await api(server).get(`/v1/admin/users/${userId}`).set(asAdmin).expect(200)).body as AdminUserBody;
}

/** Entitlements without usage, sorted by feature: what the user is entitled to. */
export function features(entitlements: Entitlement[]): { feature: string; limit: number | null }[] {
  return entitlements
    .map(({ feature, limit }) => ({ feature, limit }))
    .sort((a, b) => a.feature.localeCompare(b.feature));
}

export const FREE_FEATURES = [
  { feature: 'analyses', limit: 20 },
  { feature: 'projects', limit: 3 },
];
/** What a paid plan listing projects and reports gives: the default plan's other features stay. */
export const PAID_FEATURES = [
  { feature: 'analyses', limit: 20 },
  { feature: 'projects', limit: null },
  { feature: 'reports', limit: null },
];

/** Unix seconds (Stripe) as the API's ISO string. */
export function isoFromUnix(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export type CheckoutCompletion = ReturnType<Scenarios['completeCheckoutSession']>;

export interface BillingContext {
  server: TestServer;
  stripe: StripeDouble;
}

/** Checkout on the API, the customer pays on Stripe's page, every event delivered: an active subscriber. */
export async function subscribe(
  { server, stripe }: BillingContext,
  user: TestAccount,
  price: PriceBody,
): Promise<{ sessionId: string; subscriptionId: string; completion: CheckoutCompletion }> {
  const session = await checkout(server, user, price.id);
  const completion = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
  await deliverAll(server, stripe, completion.events);
  const subscriptionId = completion.subscription!.id;
  await eventually(async () =>
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active' }),
  );
  return { sessionId: session.id, subscriptionId, completion };
}

/** Checkout of a credit pack on the API, paid on Stripe's page; the events are returned, not delivered. */
export async function payForCreditPack(
  { server, stripe }: BillingContext,
  user: TestAccount,
  price: PriceBody,
) {
  const session = await checkout(server, user, price.id);
  const completion = stripe.scenarios.completeCheckoutSession(session.id);
  expect(completion.session.payment_status).toBe('paid');
  return { sessionId: session.id, completion, completed: completion.event('checkout.session.completed') };
}

export async function creditBalance(server: TestServer, user: TestAccount): Promise<number> {
  return (await me(server, user)).credits.balance;
}
