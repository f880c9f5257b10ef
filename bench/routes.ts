/** The measured routes, by the names the report shows. */
export const ROUTES = {
  nodeHttp: 'node:http ping',
  fastify: 'Fastify ping',
  nest: 'NestJS (Fastify adapter) ping',
  nestValidatedPost: 'NestJS (Fastify adapter) POST, the estimates body validated',
  health: 'GET /health',
  apiKeys: 'GET /v1/api-keys',
  me: 'GET /v1/me',
  pgApiKeys: 'plain pg: GET /v1/api-keys SQL',
  pgProjects: 'plain pg: POST /v1/projects SQL',
  pgMe: 'plain pg: GET /v1/me SQL',
  session: 'GET /v1/auth/session',
  refresh: 'POST /v1/auth/refresh (rotation)',
  reportsAccess: 'GET /v1/reports/access (granted)',
  reportsAccessTeam: 'GET /v1/reports/access (granted, acting for a team)',
  quotaGranted: 'POST /v1/estimates (quota api_calls, granted)',
  quotaGrantedGet: 'GET /v1/estimates?text= (quota api_calls, granted)',
  reportsGranted: 'GET /v1/reports/summary (granted)',
  reportsDenied: 'GET /v1/reports/summary (402)',
  projectsGranted: 'POST /v1/projects (201, unlimited)',
  projectsDenied: 'POST /v1/projects (402 limit_reached)',
  exports: 'POST /v1/exports (201, 1 credit)',
  webhooksIgnored: 'POST /v1/webhooks/stripe (unhandled type)',
  webhooksCredits: 'POST /v1/webhooks/stripe (credit pack, 10 buyers)',
} as const;

/** The name of a route's row when it is loaded at a steady rate (for latency, not throughput). */
export function pacedName(route: string): string {
  return `${route} at a steady rate`;
}

/** Each database route and its plain-`pg` yardstick (bench/pg-yardstick-app.ts: the same SQL). */
export const PG_YARDSTICKS: [route: string, yardstick: string][] = [
  [ROUTES.apiKeys, ROUTES.pgApiKeys],
  [ROUTES.projectsGranted, ROUTES.pgProjects],
  [ROUTES.me, ROUTES.pgMe],
];
