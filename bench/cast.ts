import { EventObject } from '../test/stripe-double';
import { proPlanBody } from '../test/support/plan-bodies';
import { Account, Plan, Price, priceOf, World } from './world';

/** The accounts each measured route needs, set up through the API and signed webhooks. */
export interface Cast {
  pro: Plan;
  monthly: Price;
  /** Free plan, 3 projects made: 402 on reports and on a 4th project. */
  free: Account;
  /** Pro: reports granted. */
  subscriber: Account;
  /** Pro: unlimited projects (kept apart so its projects don't weigh on the subscriber's reports). */
  builder: Account;
  /** 1,000,000 credits and a project to export. */
  exporter: Account;
  exporterProjectId: string;
  /** Each bought a 1-credit pack: their checkout.session.completed are the templates of credit-pack webhooks. */
  payers: Account[];
  creditPackEvents: EventObject[];
  /** A team the subscriber owns (null when the service has no accounts): the guard acting for a team. */
  subscriberTeamId: string | null;
  /** One refresh token per live session of one account (empty when the service has no refresh tokens). */
  refreshTokens: string[];
}

const PAYERS = 10;
/**
 * Sessions to rotate, one per signed-up user: each load phase (warm-up, measured window) ends with up to
 * one request per connection cut off after the server rotated its token, so the pool loses that many; 200
 * keeps every one of 50 connections supplied through both phases.
 */
const REFRESH_SESSIONS = 200;

/** The pro plan sells calls by the month too: the quota the metered route counts (never reached in a run). */
function withBenchQuota<T extends { features?: object[] }>(plan: T): T {
  return {
    ...plan,
    features: [...(plan.features ?? []), { key: 'api_calls', limit: 2_000_000_000, period: 'month' }],
  };
}

function planKey(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function createCast(world: World): Promise<Cast> {
  const [pro, bulk, single] = await Promise.all([
    world.createPlan(
      withBenchQuota(proPlanBody(planKey('pro'), [{ interval: 'month', amount: 1900, currency: 'usd' }])),
    ),
    world.createPlan({
      key: planKey('bulk'),
      name: 'Bulk credits',
      trialDays: 0,
      features: [],
      prices: [{ interval: 'one_time', amount: 50000, currency: 'usd', credits: 1_000_000 }],
    }),
    world.createPlan({
      key: planKey('single'),
      name: 'One credit',
      trialDays: 0,
      features: [],
      prices: [{ interval: 'one_time', amount: 100, currency: 'usd', credits: 1 }],
    }),
  ]);
  const monthly = priceOf(pro, 'month');

  const [[free, subscriber, builder, exporter], payers] = await Promise.all([
    Promise.all([
      world.signUp('free'),
      world.signUp('subscriber'),
      world.signUp('builder'),
      world.signUp('exporter'),
    ]),
    Promise.all(Array.from({ length: PAYERS }, () => world.signUp('payer'))),
  ]);

  for (const name of ['one', 'two', 'three']) await world.createProject(free, name);
  const exporterProjectId = await world.createProject(exporter, 'exported');

  await world.buy(subscriber, monthly, () => world.hasReports(subscriber));
  await world.buy(builder, monthly, () => world.hasReports(builder));
  await world.buy(
    exporter,
    priceOf(bulk, 'one_time'),
    async () => (await world.creditBalance(exporter)) >= 1_000_000,
  );
  const creditPackEvents = await Promise.all(
    payers.map(async (payer) => {
      const events = await world.buy(
        payer,
        priceOf(single, 'one_time'),
        async () => (await world.creditBalance(payer)) >= 1,
      );
      const completed = events.find((event) => event.type === 'checkout.session.completed');
      if (!completed) throw new Error('the credit pack checkout sent no checkout.session.completed');
      return completed;
    }),
  );

  const refreshTokens: string[] = [];
  // In batches: password hashing runs two at a time, and each setup call has a timeout.
  for (let batch = 0; batch < REFRESH_SESSIONS; batch += 20) {
    const refreshers = await Promise.all(Array.from({ length: 20 }, () => world.signUp('refresher')));
    refreshTokens.push(...refreshers.flatMap((refresher) => refresher.refreshToken ?? []));
  }

  const subscriberTeamId = await world.createTeam(subscriber, 'Bench team');
  // The team is billed on its own: it gets the paid feature the subscriber's own account has.
  if (subscriberTeamId) await world.grantAccount(subscriberTeamId, 'reports');

  return {
    subscriberTeamId,
    pro,
    monthly,
    free,
    subscriber,
    builder,
    exporter,
    exporterProjectId,
    payers,
    creditPackEvents,
    refreshTokens,
  };
}
