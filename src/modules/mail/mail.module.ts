import { Module } from '@nestjs/common';

import { MetricsModule } from '../metrics/metrics.module';
import { AdminMailController } from './admin-mail.controller';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailOutbox } from './mail-outbox.service';
import { MailTransport } from './mail-transport.service';
import { MailWorker } from './mail-worker.service';

/** Mail: modules that send some import this one and call `MailOutbox.enqueue` in their transaction. */
@Module({
  imports: [MetricsModule],
  controllers: [AdminMailController],
  providers: [MailOutboxRepository, MailOutbox, MailTransport, MailWorker],
  exports: [MailOutbox],
})
export class MailModule {}
