import { must } from '../test/support/must';
import { LoadResult, median } from './load';
import { Report, Target } from './report';
import { pacedName, PG_YARDSTICKS, ROUTES } from './routes';
import { STRIPE_BURST, StripeBurstResult } from './stripe-burst';

const x = (value: number) => `${value.toFixed(2)}×`;

/**
 * a's requests/s over b's. Routes measured in the same interleaved rounds are compared round by round
 * (each pair ran back to back) and the median round's ratio is taken.
 */
export function throughputRatio(a: LoadResult, b: LoadResult): number {
  const rounds = sameRounds(a.roundRps, b.roundRps);
  return rounds ? median(rounds.map(([rpsA, rpsB]) => rpsA / rpsB)) : a.rps / b.rps;
}

/** The p99 a adds over b in ms: round by round (median) for routes measured in the same rounds. */
export function addedP99(a: LoadResult, b: LoadResult): number {
  const rounds = sameRounds(a.roundP99, b.roundP99);
  return rounds ? median(rounds.map(([p99A, p99B]) => p99A - p99B)) : a.p99 - b.p99;
}

/** Two routes' values paired round by round, when both were measured in the same rounds. */
function sameRounds(a: number[] | undefined, b: number[] | undefined): [number, number][] | undefined {
  if (!a || !b || a.length !== b.length) return undefined;
  return a.map((valueA, round) => [valueA, must(b[round], `round ${round} of both routes`)]);
}

interface GuardComparison {
  label: string;
  guarded: LoadResult;
  unguarded: LoadResult;
}

/**
 * Fills in the ratios and the performance budget's verdicts. The guard is judged on a like-for-like
 * pair when the service has one (no-DB twins: reports/access vs auth/session); otherwise on
 * reports/summary (2 queries) vs api-keys (1 query), which charges the guard for a heavier handler.
 */
export function evaluate(report: Report): void {
  const load = (name: string): LoadResult | undefined =>
    report.loads.find((candidate) => candidate.name === name);
  const nest = load(ROUTES.nest);
  const comparisons: GuardComparison[] = [];
  const access = load(ROUTES.reportsAccess);
  const session = load(ROUTES.session);
  if (access && session) {
    comparisons.push({ label: 'no DB: reports/access vs auth/session', guarded: access, unguarded: session });
  }
  const summary = load(ROUTES.reportsGranted);
  const apiKeys = load(ROUTES.apiKeys);
  if (summary && apiKeys) {
    comparisons.push({
      label: 'with DB: reports/summary (2 queries) vs api-keys (1 query)',
      guarded: summary,
      unguarded: apiKeys,
    });
  }

  const ratio = (label: string, a?: LoadResult, b?: LoadResult) => {
    if (a && b) report.ratios.push({ label, value: x(throughputRatio(a, b)) });
  };
  // Only the first pair is judged; a pair whose handlers differ is shown for reference.
  comparisons.forEach(({ label, guarded, unguarded }, index) => {
    const judged = (target: string) => (index === 0 ? ` — target ${target}` : ' — reference only');
    ratio(`granted guarded ÷ bare NestJS ping (${label.split(':')[0]})${judged('≥ 0.5×')}`, guarded, nest);
    ratio(`granted guarded ÷ unguarded authenticated (${label})${judged('≥ 0.9×')}`, guarded, unguarded);
    const pacedGuarded = load(pacedName(guarded.name));
    const pacedUnguarded = load(pacedName(unguarded.name));
    if (pacedGuarded && pacedUnguarded) {
      report.ratios.push(
        {
          label: `p99 added by the guard, ms (${label}, at a steady rate)${judged('< 1 ms')}`,
          value: addedP99(pacedGuarded, pacedUnguarded).toFixed(2),
        },
        {
          label: `p99 added by the guard, ms (${label}, at saturation: mostly queueing) — reference only`,
          value: addedP99(guarded, unguarded).toFixed(2),
        },
      );
    } else {
      report.ratios.push({
        label: `p99 added by the guard, ms (${label})${judged('< 1 ms')}`,
        value: addedP99(guarded, unguarded).toFixed(2),
      });
    }
  });
  const team = load(ROUTES.reportsAccessTeam);
  ratio(
    'granted guarded acting for a team ÷ for the personal account (reports/access) — target ≥ 0.95×',
    team,
    access,
  );
  const quota = load(ROUTES.quotaGranted);
  const quotaGet = load(ROUTES.quotaGrantedGet);
  ratio(
    "quota-guarded GET /v1/estimates?text= (@ConsumesQuota('api_calls')) ÷ bare NestJS ping — target ≥ 0.4×",
    quotaGet,
    nest,
  );
  ratio("quota-guarded POST /v1/estimates ÷ bare NestJS ping (a POST's body: see the next two)", quota, nest);
  const validatedPost = load(ROUTES.nestValidatedPost);
  ratio(
    'quota-guarded POST /v1/estimates ÷ bare NestJS POST with the same validated body (what auth and quota add)',
    quota,
    validatedPost,
  );
  ratio('bare NestJS POST with the estimates body validated ÷ bare NestJS ping', validatedPost, nest);
  const me = load(ROUTES.me);
  ratio('GET /v1/me ÷ bare NestJS ping — target ≥ 0.5×', me, nest);
  const databaseRoutes = PG_YARDSTICKS.flatMap(([route, yardstick]) => {
    const [ours, plain] = [load(route), load(yardstick)];
    return ours && plain ? [{ route, ours, plain }] : [];
  });
  for (const { route, ours, plain } of databaseRoutes) {
    ratio(`${route} ÷ its plain-pg yardstick (same SQL) — target ≥ 0.67× (within 1.5×)`, ours, plain);
  }
  ratio('402 guarded (reports/summary, no handler) ÷ bare NestJS ping', load(ROUTES.reportsDenied), nest);
  ratio('unguarded authenticated, no DB (auth/session) ÷ bare NestJS ping', session, nest);
  ratio('GET /health (tollgate, no auth, no DB) ÷ bare NestJS ping', load(ROUTES.health), nest);
  ratio('bare NestJS ping ÷ bare Fastify ping (SPEC machine: ≈ 0.64–0.79×)', nest, load(ROUTES.fastify));
  ratio(
    'bare Fastify ping ÷ node:http ping (SPEC machine: ≈ 0.97×)',
    load(ROUTES.fastify),
    load(ROUTES.nodeHttp),
  );

  const targets = report.targets;
  const [primary] = comparisons;
  if (primary && nest) {
    const value = throughputRatio(primary.guarded, nest);
    targets.push({
      target: 'granted guarded ≥ 0.5× bare NestJS ping',
      measured: `${x(value)} (${primary.guarded.name})`,
      met: value >= 0.5,
    });
  }
  if (primary) {
    const value = throughputRatio(primary.guarded, primary.unguarded);
    // Latency is judged at a steady rate when the pair was loaded so; else at saturation.
    const pacedGuarded = load(pacedName(primary.guarded.name));
    const pacedUnguarded = load(pacedName(primary.unguarded.name));
    const paced = pacedGuarded && pacedUnguarded;
    const added = paced
      ? addedP99(pacedGuarded, pacedUnguarded)
      : addedP99(primary.guarded, primary.unguarded);
    const addedLabel = paced ? `${primary.label}, at a steady rate` : primary.label;
    targets.push(
      {
        target: 'granted guarded ≥ 0.9× unguarded authenticated',
        measured: `${x(value)} (${primary.label})`,
        met: value >= 0.9,
      },
      {
        target: 'guard adds < 1 ms at p99',
        measured: `${added.toFixed(2)} ms (${addedLabel})`,
        met: added < 1,
      },
    );
  }
  if (team && access) {
    const value = throughputRatio(team, access);
    targets.push({
      target: 'acting for a team within 5% of acting for the personal account',
      measured: `${x(value)} (reports/access)`,
      met: value >= 0.95,
    });
  }
  if (quotaGet && nest) {
    const value = throughputRatio(quotaGet, nest);
    const post =
      quota && validatedPost
        ? `; POST with a body ${x(throughputRatio(quota, nest))}, where the bare validated NestJS POST is ${x(throughputRatio(validatedPost, nest))}`
        : '';
    targets.push({
      target: 'quota-guarded route ≥ 0.4× bare NestJS ping',
      measured: `${x(value)} (${quotaGet.name}${post})`,
      met: value >= 0.4,
    });
  }
  if (me && nest) {
    const value = throughputRatio(me, nest);
    targets.push({ target: 'GET /v1/me ≥ 0.5× bare NestJS ping', measured: x(value), met: value >= 0.5 });
  }
  if (databaseRoutes.length > 0) {
    const slowdowns = databaseRoutes.map(({ route, ours, plain }) => ({
      route,
      times: 1 / throughputRatio(ours, plain),
    }));
    targets.push({
      target: 'each database route within 1.5× of its plain-pg yardstick',
      measured: slowdowns
        .map(({ route, times }) => `${route} ${times > 1 ? `${x(times)} slower` : `${x(1 / times)} faster`}`)
        .join('; '),
      met: slowdowns.every(({ times }) => times <= 1.5),
    });
  }
  if (report.cacheHits.length > 0) {
    targets.push({
      target: 'zero DB queries on a cache hit',
      measured: report.cacheHits
        .map(
          (check) =>
            `${check.label}: ${check.acquiresPerRequest.toFixed(3)}/req (handler: ${check.expected})`,
        )
        .join('; '),
      met: report.cacheHits.every((check) => Math.abs(check.acquiresPerRequest - check.expected) < 0.01),
    });
  }
  targets.push({
    target: 'zero Stripe calls on a cache hit',
    measured: `${report.stripeCallsUnderLoad} Stripe calls during the guarded loads`,
    met: report.stripeCallsUnderLoad === 0,
  });
  const [single, across] = report.access;
  if (single) {
    targets.push({
      target: 'webhook 2xx → access < 100 ms, one instance',
      measured: `median ${single.accessMedian.toFixed(1)} ms, max ${single.accessMax.toFixed(1)} ms`,
      met: single.accessMax < 100,
    });
  }
  if (across) {
    targets.push({
      target: 'webhook 2xx → access < 1 s, across two instances',
      measured: `median ${across.accessMedian.toFixed(1)} ms, max ${across.accessMax.toFixed(1)} ms`,
      met: across.accessMax < 1000,
    });
  }
  for (const name of [ROUTES.webhooksCredits, ROUTES.webhooksIgnored]) {
    const webhooks = load(name);
    if (!webhooks) continue;
    targets.push({
      target: `≥ 500 signed webhooks/s verified, stored, processed (${name.replace(/^.*\((.*)\)$/, '$1')})`,
      measured: `${Math.round(webhooks.rps)}/s, ${webhooks.unexpected} not 2xx`,
      met: webhooks.rps >= 500 && webhooks.unexpected === 0,
    });
  }
  if (report.stripeBurst) targets.push(...stripeBurstTargets(report.stripeBurst));
}

function stripeBurstTargets(burst: StripeBurstResult): Target[] {
  const acked = burst.ackStatuses['200'] ?? 0;
  const checkouts = burst.checkoutStatuses['201'] ?? 0;
  const totalCheckouts = Object.values(burst.checkoutStatuses).reduce((sum, count) => sum + count, 0);
  return [
    {
      target: 'renewal burst against a paced Stripe: ≥ 500 events/s acknowledged',
      measured: `${burst.ackPerSecond.toFixed(0)}/s (${acked} of ${burst.events} answered 200)`,
      met: burst.ackPerSecond >= 500 && acked === burst.events,
    },
    {
      target: 'renewal burst: all processed, 0 failed',
      measured: `${burst.failedEvents} failed, ${burst.pendingEvents} pending after ${burst.drainSeconds.toFixed(1)} s`,
      met: burst.failedEvents === 0 && burst.pendingEvents === 0,
    },
    {
      target: `renewal burst: Stripe calls ≤ ${STRIPE_BURST.stripeMaxRps} in every second`,
      measured: `busiest second ${burst.stripeBusiestSecond} as the double stamped them (${burst.serviceBusiestSecond} as the service sent them), ${burst.stripe429s} answered 429`,
      met: burst.stripeBusiestSecond <= STRIPE_BURST.stripeMaxRps,
    },
    {
      target: "renewal burst: every subscription's final state equals Stripe's",
      measured: `${burst.wrongStates} of ${burst.subscriptions} differ`,
      met: burst.wrongStates === 0,
    },
    {
      target: 'checkouts during the burst answer 201 (p99 stated)',
      measured: `${checkouts} of ${totalCheckouts} answered 201; p99 ${burst.checkoutP99Ms.toFixed(0)} ms`,
      met: checkouts === totalCheckouts,
    },
  ];
}
