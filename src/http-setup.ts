import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger as Pino } from 'pino';

import { DomainError } from './common/errors/domain-error';
import { ProblemDetailsFilter, sendProblem } from './common/errors/problem-details.filter';
import { clientErrorResponse } from './common/errors/problem';
import { jsonBodyProblem } from './common/http/json-body';
import { settleUndo } from './common/http/undo-unless-succeeded';
import { DOCS_PATH, securityHeaders, withDocsHeaders } from './common/http/security-headers';
import { describeProblemCodes, PROBLEM_SCHEMA, PROBLEM_SCHEMA_NAME } from './common/openapi/problem.schema';
import { CompiledValidationPipe } from './common/validation/compiled-validation.pipe';
import { flattenValidationErrors } from './common/validation/validation-errors';
import { MetricsService } from './modules/metrics/metrics.service';
import { STRIPE_WEBHOOK_BODY_LIMIT, STRIPE_WEBHOOK_PATH } from './modules/webhooks/stripe-webhook.controller';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Fastify's own request id: the caller's X-Request-Id when it is sane, else a new UUID. */
export function requestIdFrom(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/** How long a client may take to send a whole request. */
export const REQUEST_TIMEOUT_MS = 30_000;

const httpErrorLogger = new Logger('Errors');

/** Errors Fastify's router raises before Nest sees the request (a malformed URL, an over-long parameter). */
export function answerFrameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(error, request, reply, httpErrorLogger);
}

/** Requests Node's HTTP parser refuses (malformed, headers too large, too slow) get a problem too. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(error));
  socket.destroy(error);
}

export async function configureHttp(
  app: NestFastifyApplication,
  settings: { bodyLimit: number; appUrl: string },
  log: Pino,
): Promise<void> {
  const { bodyLimit } = settings;
  registerJsonParser(app, bodyLimit);
  app.useGlobalPipes(
    new CompiledValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
    }),
  );
  app.useGlobalFilters(new ProblemDetailsFilter());

  const fastify = app.getHttpAdapter().getInstance();
  const headers = await securityHeaders(settings.appUrl);
  // Routes are added when the app starts listening, after this hook: a route's limit beats the parser's.
  fastify.addHook('onRoute', (route) => {
    if (route.url === STRIPE_WEBHOOK_PATH) route.bodyLimit = Math.max(bodyLimit, STRIPE_WEBHOOK_BODY_LIMIT);
    withDocsHeaders(route, headers);
  });
  const metrics = app.get(MetricsService);
  // Callback hooks: an async hook costs a promise per request on every route.
  fastify.addHook('onRequest', (request, reply, done) => {
    // Before routing: 404s and the guards' 401s carry them too.
    reply.header('x-request-id', request.id).headers(headers.api);
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    settleUndo(request, reply.statusCode);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.recordRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (log.isLevelEnabled('info')) {
      const ms = Math.round(reply.elapsedTime);
      log.info(
        { requestId: request.id, method: request.method, route, status: reply.statusCode, ms },
        'request completed',
      );
    }
    done();
  });

  setUpOpenApi(app);
}

type CallbackJsonParser = (
  request: never,
  body: string,
  done: (error: Error | null, parsed?: unknown) => void,
) => void;

/**
 * JSON bodies everywhere but on the Stripe webhook route, which keeps the raw text its signature covers
 * unparsed: the signature is checked before anything is parsed, and the event is parsed once, after it
 * (`StripeSignatureVerifier`).
 */
function registerJsonParser(app: NestFastifyApplication, bodyLimit: number): void {
  // Fastify types its parsers as callback- or promise-style; the default JSON parser is the callback one.
  const parseJson = app
    .getHttpAdapter()
    .getInstance()
    .getDefaultJsonParser('error', 'error') as CallbackJsonParser;
  app.useBodyParser('application/json', { bodyLimit }, (request, body, done) => {
    if (request.url.split('?')[0] === STRIPE_WEBHOOK_PATH) {
      (request as { rawBody?: string }).rawBody = body.toString('utf8');
      return done(null, undefined);
    }
    parseJson(request as never, body.toString('utf8'), (error: Error | null, parsed?: unknown) => {
      if (error) return done(error);
      const problem = jsonBodyProblem(parsed);
      if (problem) return done(new DomainError('malformed_json', problem));
      done(null, parsed);
    });
  });
}

function setUpOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('tollgate')
    .setVersion('1')
    .setDescription(
      'Subscription backend with a PaymentGuard. Every error is RFC 9457 `application/problem+json` ' +
        'with a stable `code`:\n\n' +
        describeProblemCodes(),
    )
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, [PROBLEM_SCHEMA_NAME]: PROBLEM_SCHEMA as never },
  };
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
}
