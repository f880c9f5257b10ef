import type { Operation } from './operation';
import type { ParamReader } from './params';
import { matchPath } from './path-pattern';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiRequest {
  method: HttpMethod;
  path: string;
  pathParams: Record<string, string>;
  params: ParamReader;
  operation: Operation;
}

/** Returns the response body; the pipeline applies `expand[]` and serialises it. */
export type RouteHandler = (request: ApiRequest) => object;

export interface Route {
  method: HttpMethod;
  path: string;
  handler: RouteHandler;
}

export function findRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; pathParams: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const pathParams = matchPath(route.path, path);
    if (pathParams) return { route, pathParams };
  }
  return undefined;
}
