import fastifyHelmet, { FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type onRequestHookHandler, type RouteOptions } from 'fastify';

/** Where the Swagger UI page and its assets are served (`/docs-json`, the document itself, is API). */
export const DOCS_PATH = '/docs';

/** Nothing the API answers is a page to run or to frame; JSON clients ignore the CSP. */
const API_CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
};

/**
 * Swagger UI: its scripts (the bundle, swagger-ui-init.js) and stylesheet come from this origin; the page has
 * inline <style> blocks and the UI sets style attributes; its CSS embeds data: images; "Try it out" calls
 * this origin. Nothing else: no inline script, no eval, no other origin, no framing.
 */
const DOCS_CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * Helmet's defaults, tuned for an API: HSTS only when the service is reached over https (over plain http it
 * is ignored at best); no headers that only steer legacy browsers' handling of pages (IE's download
 * prompt, DNS prefetching, the old XSS filter, origin-keyed agent clusters): bytes on every answer for nothing.
 */
export function securityHeaderOptions(appUrl: string): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: API_CONTENT_SECURITY_POLICY,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: new URL(appUrl).protocol === 'https:' ? { maxAge: 31_536_000 } : false,
    xFrameOptions: { action: 'deny' },
    xDownloadOptions: false,
    xDnsPrefetchControl: false,
    xXssProtection: false,
    originAgentCluster: false,
  };
}

export interface SecurityHeaders {
  /** Set on every request before routing, so errors (404, 401) carry them too. */
  api: Record<string, string>;
  /** The Swagger UI's routes: the same headers with the CSP that lets the page run. */
  docs: Record<string, string>;
}

/**
 * What @fastify/helmet sends, taken once at boot from a probe app: registered on the service itself it builds
 * helmet's middleware again for every request (two more hooks, one async), while these headers never change.
 */
export async function securityHeaders(appUrl: string): Promise<SecurityHeaders> {
  const options = securityHeaderOptions(appUrl);
  return {
    api: await helmetHeaders(options),
    docs: await helmetHeaders({ ...options, contentSecurityPolicy: DOCS_CONTENT_SECURITY_POLICY }),
  };
}

const FASTIFY_OWN_HEADERS = new Set(['content-length', 'content-type', 'date', 'connection', 'keep-alive']);

async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(fastifyHelmet, options);
    probe.get('/', (_request, reply) => reply.send());
    const { headers } = await probe.inject({ method: 'GET', url: '/' });
    return Object.fromEntries(
      Object.entries(headers).flatMap(([name, value]) =>
        FASTIFY_OWN_HEADERS.has(name) || typeof value !== 'string' ? [] : [[name, value]],
      ),
    );
  } finally {
    await probe.close();
  }
}

/** An onRoute hook's part: the Swagger UI's routes replace the API's headers with their own. */
export function withDocsHeaders(route: RouteOptions, headers: SecurityHeaders): void {
  if (route.url !== DOCS_PATH && !route.url.startsWith(`${DOCS_PATH}/`)) return;
  const setDocsHeaders: onRequestHookHandler = (_request, reply, done) => {
    void reply.headers(headers.docs);
    done();
  };
  route.onRequest = [...[route.onRequest ?? []].flat(), setDocsHeaders];
}
