-- CreateEnum
CREATE TYPE "MeterEventStatus" AS ENUM ('pending', 'sent', 'failed');

-- CreateTable
CREATE TABLE "meter_event_outbox" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "event_name" VARCHAR(100) NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3) NOT NULL,
    "value" INTEGER NOT NULL DEFAULT 0,
    "identifier" VARCHAR(100) NOT NULL,
    "status" "MeterEventStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_error" VARCHAR(1000),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "claimed_until" TIMESTAMPTZ(3),
    "claimed_by" INTEGER,

    CONSTRAINT "meter_event_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "meter_event_outbox_identifier_key" ON "meter_event_outbox"("identifier");

-- CreateIndex
CREATE INDEX "meter_event_outbox_status_next_attempt_at_idx" ON "meter_event_outbox"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "meter_event_outbox_account_id_event_name_sent_at_idx" ON "meter_event_outbox"("account_id", "event_name", "sent_at");

-- CreateIndex
CREATE INDEX "meter_event_outbox_status_created_at_idx" ON "meter_event_outbox"("status", "created_at");

-- CreateIndex
CREATE INDEX "meter_event_outbox_created_at_idx" ON "meter_event_outbox"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "meter_event_outbox_account_id_event_name_window_start_key" ON "meter_event_outbox"("account_id", "event_name", "window_start");
