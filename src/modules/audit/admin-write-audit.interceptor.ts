import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { mergeMap, Observable } from 'rxjs';

import { requestOriginOf } from '../../common/http/request-origin';
import type { AuthenticatedUser } from '../auth/identity';
import { AuditLog } from './audit-log.service';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

type AdminRequest = FastifyRequest<{ Params: { id?: string } }> & { user?: AuthenticatedUser };

/**
 * `admin.write` for every admin route that changes something, once its handler has succeeded: the method,
 * the route and, for a route with `:id`, whom or what it concerned. `@Authenticated({ role: 'admin' })`
 * applies it (AuditModule is global, so any module can have admin routes).
 */
@Injectable()
export class AdminWriteAuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AdminWriteAuditInterceptor.name);

  constructor(private readonly audit: AuditLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (READS.has(request.method)) return next.handle();
    return next.handle().pipe(
      mergeMap(async (answer: unknown) => {
        await this.recordWrite(request);
        return answer;
      }),
    );
  }

  /** The write is done: failing to record it must not tell the admin it failed, so that is only logged. */
  private async recordWrite(request: AdminRequest): Promise<void> {
    const id = request.params?.id;
    const subjectId = id !== undefined && isUUID(id) ? id.toLowerCase() : null;
    try {
      await this.audit.record('admin.write', {
        actorId: request.user?.id ?? null,
        subjectId,
        origin: requestOriginOf(request),
        details: {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          ...(id !== undefined && subjectId === null ? { id: id.slice(0, 255) } : {}),
        },
      });
    } catch (error) {
      this.logger.error({ msg: 'could not record an admin write', err: String(error) });
    }
  }
}
