/**
 * A path filter used by routes, fault switches and request-log queries: either a RegExp or a
 * string where `:name` segments match one path segment (`/v1/subscriptions/:id`).
 */
export type PathPattern = string | RegExp;

export function matchPath(pattern: PathPattern, path: string): Record<string, string> | undefined {
  if (pattern instanceof RegExp) return pattern.test(path) ? {} : undefined;
  const patternSegments = pattern.split('/');
  const pathSegments = path.split('/');
  if (patternSegments.length !== pathSegments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of patternSegments.entries()) {
    const actual = pathSegments[index];
    if (segment.startsWith(':')) {
      if (!actual) return undefined;
      params[segment.slice(1)] = decodeURIComponent(actual);
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

export interface RequestMatcher {
  method?: string;
  path?: PathPattern;
}

export function matchesRequest(matcher: RequestMatcher, method: string, path: string): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== method) return false;
  if (matcher.path !== undefined && !matchPath(matcher.path, path)) return false;
  return true;
}
