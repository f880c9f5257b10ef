import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { isUnexpected, toProblem } from './problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
): void {
  const problem = toProblem(error, request.url.split('?')[0] ?? request.url);
  if (isUnexpected(problem)) {
    logger.error({ msg: 'unhandled error', err: error, requestId: request.id });
  } else if (problem.body.code === 'database_unavailable') {
    logger.warn({ msg: 'database unavailable', requestId: request.id, reason: describe(error) });
  }
  void reply
    .status(problem.status)
    .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
    .send(JSON.stringify(problem.body));
}

/** The one place every error becomes problem+json, for errors thrown inside Nest. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.logger);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
