import { Module } from '@nestjs/common';

import { MetricsModule } from '../metrics/metrics.module';
import { StripeModule } from '../stripe/stripe.module';
import { AdminMeterEventsController } from './admin-meter-events.controller';
import { MeterEventOutboxRepository } from './meter-event-outbox.repository';
import { MeterEventOutbox } from './meter-event-outbox.service';
import { MeterEventWorker } from './meter-event-worker.service';

/** Overage reported to Stripe's meters: the outbox (written in the quota flush's transaction) and its worker. */
@Module({
  imports: [MetricsModule, StripeModule],
  controllers: [AdminMeterEventsController],
  providers: [MeterEventOutboxRepository, MeterEventOutbox, MeterEventWorker],
  exports: [MeterEventOutbox],
})
export class MeteringModule {}
