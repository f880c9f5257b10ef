import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyRequest } from 'fastify';

/** What a record of the current request says about where it came from. */
export interface RequestOrigin {
  requestId: string;
  /** The client: the peer address, or with TRUST_PROXY the rightmost untrusted X-Forwarded-For entry. */
  ip: string;
  userAgent: string | null;
}

export const USER_AGENT_MAX_LENGTH = 512;

// The request itself is the store: entering it allocates nothing, and the origin is read only when asked.
const currentRequest = new AsyncLocalStorage<FastifyRequest>();

/**
 * Runs the rest of the request (guards, pipes, handler and everything they await) inside its context.
 * Called from a preHandler hook, after the body is parsed: Fastify reads bodies on socket events, which
 * would lose a context entered before.
 */
export function runInRequestContext(request: FastifyRequest, next: () => void): void {
  currentRequest.run(request, next);
}

/** The request being served, or null outside one (the CLI, background jobs). */
export function currentRequestOrigin(): RequestOrigin | null {
  const request = currentRequest.getStore();
  if (!request) return null;
  const userAgent = request.headers['user-agent'];
  return {
    requestId: request.id,
    ip: request.ip,
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX_LENGTH) : null,
  };
}
