/** The measured routes, by the names the report shows. */
export const ROUTES = {
  nodeHttp: 'node:http ping',
  fastify: 'Fastify ping',
  nest: 'NestJS (Fastify adapter) ping',
  health: 'GET /health',
  apiKeys: 'GET /v1/api-keys',
  session: 'GET /v1/auth/session',
  refresh: 'POST /v1/auth/refresh (rotation)',
  reportsAccess: 'GET /v1/reports/access (granted)',
  reportsAccessTeam: 'GET /v1/reports/access (granted, acting for a team)',
  quotaGranted: 'POST /v1/estimates (quota api_calls, granted)',
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
