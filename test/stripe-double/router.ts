import type { Operation } from './operation';
import type { ParamReader } from './params';
import { matchPath } from './path-pattern';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiRequest {
  method: HttpMethod;
  path: string;
  /** The value of the route's `:name` path segment. */
  pathParam: (name: string) => string;
  params: ParamReader;
  operation: Operation;
}

/** Returns the response body; the pipeline applies `expand[]` and serialises it. */
export type RouteHandler = (request: ApiRequest) => object;

export interface Route {
  method: HttpMethod;
  path: string;
  handler: RouteHandler;
  /**
   * The handler changes the store only after every check that can fail it, so a failed request has
   * nothing to undo and the store need not be copied first (a copy per request grows with the store).
   */
  writesLast?: boolean;
}

/** Asking for a segment the route's path does not declare is a bug in the route: it throws. */
export function pathParamReader(route: Route, pathParams: Record<string, string>): (name: string) => string {
  return (name) => {
    const value = pathParams[name];
    if (value === undefined) throw new Error(`Route ${route.method} ${route.path} has no :${name} segment`);
    return value;
  };
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
