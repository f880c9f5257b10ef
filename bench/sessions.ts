import { LoadSpec } from './load';
import { World } from './world';

/**
 * Refresh-token rotation under load: a pool of live sessions, each request spending one session's
 * current token and putting the next one back, so no token is ever presented twice (which would end
 * its session).
 */
export function refreshSpec(world: World, refreshTokens: string[]): Omit<LoadSpec, 'name' | 'group'> {
  const pool = [...refreshTokens];
  return {
    url: `${world.primary.url}/v1/auth/refresh`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    expectStatus: 200,
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ refreshToken: pool.shift() ?? 'rt_pool_exhausted' }),
    }),
    onResponse: (status, body) => {
      if (status === 200) pool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
    },
  };
}
