import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';

/**
 * `/metrics` is `@Public()` (a scraper has no account), so the global authentication guard never reads its
 * Authorization header: with METRICS_TOKEN set, this guard wants that bearer token; in production
 * without one, the route answers as if it did not exist.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly tokenDigest: Buffer | null;

  constructor(private readonly config: AppConfig) {
    const token = config.env.METRICS_TOKEN;
    this.tokenDigest = token ? digest(token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokenDigest) {
      if (this.config.isProduction) throw new DomainError('not_found');
      return true;
    }
    const authorization = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const given = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
    // Digests have one length whatever was sent, so the comparison takes one time.
    if (timingSafeEqual(digest(given), this.tokenDigest)) return true;
    throw new DomainError('unauthenticated', 'Send Authorization: Bearer <METRICS_TOKEN>.');
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
