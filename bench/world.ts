import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { EmbeddedDatabase, startEmbeddedDatabase } from '../src/database/embedded-database';
import { applyMigrations } from '../src/database/migrations/migration-runner';
import { cleanEnvironment, ServerProcess } from '../test/support/server-process';
import { EventObject, StripeDouble } from '../test/stripe-double';
import { call, CallOptions, expectStatus, METRICS_TOKEN, Reply, sleep } from './http';
import { spawnServer } from './server';

export const WEBHOOK_PATH = '/v1/webhooks/stripe';
export const WEBHOOK_SECRET = 'whsec_tollgate_bench';
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';

export interface SignedDelivery {
  body: string;
  signature: string;
}

export interface Account {
  id: string;
  email: string;
  token: string;
  /** The session's refresh token, where the service has them. */
  refreshToken?: string;
}

export interface Price {
  id: string;
  interval: 'month' | 'year' | 'one_time';
  credits: number | null;
}

export interface Plan {
  key: string;
  prices: Price[];
}

/**
 * Everything the bench runs against: a throw-away PostgreSQL, the Stripe double, the compiled server
 * (and a second instance on the same database when asked), an admin, and the plans.
 */
export class World {
  private secondary?: ServerProcess;

  private constructor(
    readonly database: EmbeddedDatabase,
    private readonly dataDir: string,
    readonly stripe: StripeDouble,
    private primaryProcess: ServerProcess,
    private readonly environment: NodeJS.ProcessEnv,
    private readonly nodeArgs: string[],
    readonly adminToken: string,
  ) {}

  /** `nodeArgs` go to the server processes (e.g. `--cpu-prof`). */
  static async start(nodeArgs: string[] = []): Promise<World> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-'));
    const stripe = await StripeDouble.start();
    const database = await startEmbeddedDatabase({
      dataDir,
      port: 0,
      databaseName: 'tollgate_bench',
      log: process.env.BENCH_PG_LOG ? (line) => process.stdout.write(`PG ${line}\n`) : undefined,
    }).catch(async (error: unknown) => {
      await stripe.stop();
      throw error;
    });
    try {
      return await World.boot(database, dataDir, stripe, nodeArgs);
    } catch (error) {
      await stripe.stop();
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async boot(
    database: EmbeddedDatabase,
    dataDir: string,
    stripe: StripeDouble,
    nodeArgs: string[],
  ): Promise<World> {
    await applyMigrations(database.url);
    const admin = {
      ADMIN_EMAIL: `admin-${randomUUID()}@bench.test`,
      ADMIN_PASSWORD: `admin-${randomUUID()}`,
    };
    const environment = cleanEnvironment({
      NODE_ENV: 'production',
      NODE_OPTIONS: '',
      // The cast signs up from one address.
      SIGNUPS_PER_CLIENT_PER_HOUR: '1000000',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      MIGRATE_ON_BOOT: 'false',
      JWT_SECRET,
      METRICS_TOKEN,
      STRIPE_SECRET_KEY: StripeDouble.testSecretKey,
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // The double answers at once and limits nothing: a scenario that measures pacing sets its own.
      STRIPE_MAX_RPS: '10000',
      // The periodic reconciliation (every 5 min by default) would fall inside the loads of a long run and
      // show as Stripe calls under load; it is not what is measured.
      RECONCILE_INTERVAL_MS: '3600000',
      ...admin,
    });
    const primary = await spawnServer(environment, nodeArgs);
    try {
      const login = await expectStatus<{ accessToken: string }>(200, 'POST', `${primary.url}/v1/auth/login`, {
        body: { email: admin.ADMIN_EMAIL, password: admin.ADMIN_PASSWORD },
      });
      return new World(database, dataDir, stripe, primary, environment, nodeArgs, login.accessToken);
    } catch (error) {
      await primary.stop();
      throw error;
    }
  }

  get primary(): ServerProcess {
    return this.primaryProcess;
  }

  /**
   * Stops the primary instance and starts it again with `overrides` on its environment (`undefined`
   * removes a variable, so the service's default applies); accounts and tokens stay valid.
   */
  async restartPrimary(overrides: Record<string, string | undefined>): Promise<ServerProcess> {
    await this.primaryProcess.stop();
    const environment = { ...this.environment };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete environment[name];
      else environment[name] = value;
    }
    this.primaryProcess = await spawnServer(environment, this.nodeArgs);
    return this.primaryProcess;
  }

  /** A second instance on the same database. */
  async startSecondary(): Promise<ServerProcess> {
    this.secondary ??= await spawnServer(this.environment, this.nodeArgs);
    return this.secondary;
  }

  async stopSecondary(): Promise<void> {
    await this.secondary?.stop();
    this.secondary = undefined;
  }

  async stop(): Promise<void> {
    await this.stopSecondary();
    await this.primaryProcess.stop();
    await this.stripe.stop();
    await this.database.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  api<T = Record<string, unknown>>(method: string, route: string, options?: CallOptions): Promise<Reply<T>> {
    return call<T>(method, `${this.primary.url}${route}`, options);
  }

  createPlan(body: object): Promise<Plan> {
    return expectStatus<Plan>(201, 'POST', `${this.primary.url}/v1/admin/plans`, {
      token: this.adminToken,
      body,
    });
  }

  async signUp(label: string): Promise<Account> {
    const email = `${label}-${randomUUID()}@bench.test`;
    const created = await expectStatus<{ user: { id: string }; accessToken: string; refreshToken?: string }>(
      201,
      'POST',
      `${this.primary.url}/v1/auth/signup`,
      { body: { email, password: 'correct horse battery staple' } },
    );
    return { id: created.user.id, email, token: created.accessToken, refreshToken: created.refreshToken };
  }

  /** The Checkout Session id of a new checkout of `price`. */
  async checkout(account: Account, price: Price): Promise<string> {
    const session = await expectStatus<{ id: string }>(
      201,
      'POST',
      `${this.primary.url}/v1/billing/checkout`,
      {
        token: account.token,
        body: { priceId: price.id },
      },
    );
    return session.id;
  }

  /** Posts the event signed, exactly as Stripe would; `baseUrl` defaults to the primary instance. */
  deliver(event: object, baseUrl = this.primary.url): Promise<Reply> {
    return this.deliverSigned(this.sign(event), baseUrl);
  }

  /** The event's body and signature, made ahead when the sending is what is measured. */
  sign(event: object): SignedDelivery {
    const { body, headers } = this.stripe.signedWebhook(event, WEBHOOK_SECRET);
    return { body, signature: headers['stripe-signature'] };
  }

  deliverSigned({ body, signature }: SignedDelivery, baseUrl = this.primary.url): Promise<Reply> {
    return call('POST', `${baseUrl}${WEBHOOK_PATH}`, {
      raw: body,
      headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
    });
  }

  async deliverAll(events: EventObject[]): Promise<void> {
    for (const event of events) {
      const reply = await this.deliver(event);
      if (reply.status !== 200)
        throw new Error(`${event.type} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
  }

  /** Checkout, paid on Stripe's page, every event delivered; resolves once `ready()` holds. */
  async buy(account: Account, price: Price, ready: () => Promise<boolean>): Promise<EventObject[]> {
    const sessionId = await this.checkout(account, price);
    const { events } = this.stripe.scenarios.completeCheckoutSession(sessionId, {
      subscriptionStatus: 'active',
    });
    await this.deliverAll(events);
    await until(ready, `${account.email} did not get what ${price.id} sells`);
    return events;
  }

  async hasReports(account: Account, baseUrl = this.primary.url): Promise<boolean> {
    return (await call('GET', `${baseUrl}/v1/reports/summary`, { token: account.token })).status === 200;
  }

  async creditBalance(account: Account): Promise<number> {
    const me = await expectStatus<{ credits: { balance: number } }>(200, 'GET', `${this.primary.url}/v1/me`, {
      token: account.token,
    });
    return me.credits.balance;
  }

  /** A team account owned by `account`, or null when the service has no accounts. */
  async createTeam(account: Account, name: string): Promise<string | null> {
    const reply = await call<{ id: string }>('POST', `${this.primary.url}/v1/accounts`, {
      token: account.token,
      body: { name },
    });
    return reply.status === 201 ? reply.body.id : null;
  }

  /**
   * Opens a feature for an account by an admin grant, where accounts are billed (404 before that: the
   * team then shared its owner's entitlements). The guard's work is the same as for a subscription.
   */
  async grantAccount(accountId: string, feature: string): Promise<void> {
    await call('POST', `${this.primary.url}/v1/admin/accounts/${accountId}/grants`, {
      token: this.adminToken,
      body: { feature },
    });
  }

  async createProject(account: Account, name: string): Promise<string> {
    const project = await expectStatus<{ id: string }>(201, 'POST', `${this.primary.url}/v1/projects`, {
      token: account.token,
      body: { name },
    });
    return project.id;
  }
}

export async function until(
  check: () => Promise<boolean>,
  failure: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(20);
  }
}

export function priceOf(plan: Plan, interval: Price['interval']): Price {
  const price = plan.prices.find((candidate) => candidate.interval === interval);
  if (!price) throw new Error(`plan ${plan.key} has no ${interval} price`);
  return price;
}
