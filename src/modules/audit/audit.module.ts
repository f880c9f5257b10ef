import { Global, Module } from '@nestjs/common';

import { AdminAuditController } from './admin-audit.controller';
import { AuditLog } from './audit-log.service';
import { AuditRepository } from './audit.repository';
import { AuditTrailService } from './audit-trail.service';

/**
 * The security log: `AuditLog.record` for the modules that act, `GET /v1/admin/audit` for admins. Global,
 * like the change feed: every module with admin routes gets `admin.write` through `@Authenticated`.
 */
@Global()
@Module({
  controllers: [AdminAuditController],
  providers: [AuditRepository, AuditLog, AuditTrailService],
  exports: [AuditLog],
})
export class AuditModule {}
