import { must } from '../test/support/must';
import { BareApps, PgYardstick } from './bare-apps';
import { Cast } from './cast';
import { metricValue } from './http';
import { LoadSpec } from './load';
import type { PgYardstickConfig } from './pg-yardstick-app';
import { ROUTES } from './routes';
import { refreshSpec } from './sessions';
import { creditPackEventsSpec, ignoredEventsSpec } from './webhooks';
import { World } from './world';

/** The body both estimate routes are loaded with. */
export const ESTIMATE_BODY = { text: 'how many words are in this text' };

/** Routes that only some versions of the service have: measured when they answer 200. */
export async function optionalRoutes(
  world: World,
  cast: Cast,
  log: (message: string) => void,
): Promise<Set<string>> {
  const present = new Set<string>();
  for (const route of ['/v1/auth/session', '/v1/reports/access']) {
    const reply = await world.api('GET', route, { token: cast.subscriber.token });
    if (reply.status === 200) present.add(route);
    else log(`${route} answers ${reply.status}: not measured`);
  }
  const estimate = await world.api('POST', '/v1/estimates', {
    token: cast.subscriber.token,
    body: { text: 'a b' },
  });
  if (estimate.status === 200) present.add('/v1/estimates');
  else log(`/v1/estimates answers ${estimate.status}: not measured`);
  return present;
}

/** What the plain-pg yardstick needs to run our routes' SQL for the accounts our routes are loaded with. */
export async function pgYardstickConfig(world: World, cast: Cast): Promise<PgYardstickConfig> {
  const accountOf = async (account: { token: string }) =>
    (await world.api<{ account: { id: string } }>('GET', '/v1/me', { token: account.token })).body.account.id;
  const usage = await world.api<{ data: { feature: string; resetsAt: string }[] }>('GET', '/v1/usage', {
    token: cast.subscriber.token,
  });
  return {
    databaseUrl: world.database.url,
    apiKeysUserId: cast.subscriber.id,
    projectsAccountId: await accountOf(cast.builder),
    me: {
      userId: cast.subscriber.id,
      accountId: await accountOf(cast.subscriber),
      quotas: (usage.status === 200 ? usage.body.data : []).map((quota) => ({
        feature: quota.feature,
        periodEnd: quota.resetsAt,
      })),
    },
  };
}

/** Every measured route, in the order they run. */
export function loadSpecs(
  world: World,
  cast: Cast,
  bare: BareApps,
  present: Set<string>,
  pg: PgYardstick,
): LoadSpec[] {
  const app = world.primary.url;
  const yardstick = { group: 'yardstick', expectStatus: 200, serverPid: bare.pid };
  const acquires = () => metricValue(app, 'db_pool_acquires_total');
  const stripeCalls = () => world.stripe.requests().length;
  const as = (account: { token: string }, body?: object) => ({
    headers: {
      authorization: `Bearer ${account.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { method: 'POST', body: JSON.stringify(body) } : {}),
  });
  const tollgate = { acquires, stripeCalls, serverPid: world.primary.child.pid };
  const apiVersion = must(cast.creditPackEvents[0], 'a credit pack event').api_version;
  return [
    { ...yardstick, name: ROUTES.nodeHttp, url: `${bare.nodeHttp}/ping` },
    { ...yardstick, name: ROUTES.fastify, url: `${bare.fastify}/ping` },
    { ...yardstick, name: ROUTES.nest, url: `${bare.nest}/ping` },
    {
      ...yardstick,
      name: ROUTES.nestValidatedPost,
      url: `${bare.nest}/estimate`,
      note: "estimates' DTO through ValidationPipe with the service's options; no auth, no quota",
      headers: { 'content-type': 'application/json' },
      method: 'POST',
      body: JSON.stringify(ESTIMATE_BODY),
    },
    {
      ...yardstick,
      serverPid: pg.pid,
      name: ROUTES.pgApiKeys,
      url: `${pg.url}/api-keys`,
      note: 'bare Fastify, pg pool of 10, named prepared statement; no auth',
    },
    {
      ...yardstick,
      serverPid: pg.pid,
      name: ROUTES.pgProjects,
      url: `${pg.url}/projects`,
      expectStatus: 201,
      note: 'the same insert, prepared; no auth, no paywall',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    },
    {
      ...yardstick,
      serverPid: pg.pid,
      name: ROUTES.pgMe,
      url: `${pg.url}/me`,
      note: 'the profile statement, prepared; no auth, no entitlements',
    },
    {
      group: 'app',
      name: ROUTES.health,
      url: `${app}/health`,
      expectStatus: 200,
      note: 'no auth',
      ...tollgate,
    },
    {
      group: 'app',
      name: ROUTES.apiKeys,
      url: `${app}/v1/api-keys`,
      expectStatus: 200,
      note: 'JWT, unguarded; handler: 1 prepared statement',
      ...as(cast.subscriber),
      ...tollgate,
    },
    {
      group: 'app',
      name: ROUTES.me,
      url: `${app}/v1/me`,
      expectStatus: 200,
      note: 'JWT; entitlements and profile from caches: no round trip when warm',
      ...as(cast.subscriber),
      ...tollgate,
    },
    ...(present.has('/v1/auth/session')
      ? [
          {
            group: 'app',
            name: ROUTES.session,
            url: `${app}/v1/auth/session`,
            expectStatus: 200,
            note: 'JWT, unguarded; no DB',
            ...as(cast.subscriber),
            ...tollgate,
          },
        ]
      : []),
    ...(cast.refreshTokens.length > 0
      ? [
          {
            group: 'app',
            name: ROUTES.refresh,
            note: 'rotation: 1 conditional UPDATE, 1 user lookup, sign a JWT',
            ...refreshSpec(world, cast.refreshTokens),
            ...tollgate,
          },
        ]
      : []),
    ...(present.has('/v1/reports/access')
      ? [
          {
            group: 'paywall',
            name: ROUTES.reportsAccess,
            url: `${app}/v1/reports/access`,
            expectStatus: 200,
            note: "@RequiresFeature('reports'); no DB",
            ...as(cast.subscriber),
            ...tollgate,
          },
        ]
      : []),
    ...(present.has('/v1/reports/access') && cast.subscriberTeamId
      ? [
          {
            group: 'paywall',
            name: ROUTES.reportsAccessTeam,
            url: `${app}/v1/reports/access`,
            expectStatus: 200,
            note: "@RequiresFeature('reports') with X-Account-Id of a team the caller owns; no DB",
            headers: { ...as(cast.subscriber).headers, 'x-account-id': cast.subscriberTeamId },
            ...tollgate,
          },
        ]
      : []),
    ...(present.has('/v1/estimates')
      ? [
          {
            group: 'paywall',
            name: ROUTES.quotaGranted,
            url: `${app}/v1/estimates`,
            expectStatus: 200,
            note: "@ConsumesQuota('api_calls'): counted in process from a lease; no DB on the request",
            ...as(cast.subscriber, ESTIMATE_BODY),
            ...tollgate,
          },
          {
            group: 'paywall',
            name: ROUTES.quotaGrantedGet,
            url: `${app}/v1/estimates?${new URLSearchParams(ESTIMATE_BODY).toString()}`,
            expectStatus: 200,
            note: 'the same quota and handler, the text as a query string: no body to read',
            ...as(cast.subscriber),
            ...tollgate,
          },
        ]
      : []),
    {
      group: 'paywall',
      name: ROUTES.reportsGranted,
      url: `${app}/v1/reports/summary`,
      expectStatus: 200,
      note: '@RequiresFeature; handler: 2 count queries',
      ...as(cast.subscriber),
      ...tollgate,
    },
    {
      group: 'paywall',
      name: ROUTES.reportsDenied,
      url: `${app}/v1/reports/summary`,
      expectStatus: 402,
      note: 'free user: guard + 402 body, no handler',
      ...as(cast.free),
      ...tollgate,
    },
    {
      group: 'paywall',
      name: ROUTES.projectsGranted,
      url: `${app}/v1/projects`,
      expectStatus: 201,
      note: '@WithinLimit, limit null; one prepared insert',
      ...as(cast.builder, { name: 'bench' }),
      ...tollgate,
    },
    {
      group: 'paywall',
      name: ROUTES.projectsDenied,
      url: `${app}/v1/projects`,
      expectStatus: 402,
      note: 'free user at 3/3: guard counts, then 402',
      ...as(cast.free, { name: 'bench' }),
      ...tollgate,
    },
    {
      group: 'paywall',
      name: ROUTES.exports,
      url: `${app}/v1/exports`,
      expectStatus: 201,
      note: 'credit, project check and insert in one statement; one user, so spends queue on its balance row',
      ...as(cast.exporter, { projectId: cast.exporterProjectId }),
      ...tollgate,
    },
    {
      group: 'webhooks',
      name: ROUTES.webhooksIgnored,
      note: 'verify, store as ignored (one statement)',
      ...ignoredEventsSpec(world, apiVersion),
      ...tollgate,
    },
    {
      group: 'webhooks',
      name: ROUTES.webhooksCredits,
      note: 'verify, store claimed, retrieve the session from Stripe, credit 1 and notify (one statement), mark processed (batched); buyers take turns',
      ...creditPackEventsSpec(world, cast.creditPackEvents),
      ...tollgate,
    },
  ];
}
