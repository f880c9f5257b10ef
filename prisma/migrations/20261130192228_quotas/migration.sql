-- CreateEnum
CREATE TYPE "QuotaPeriod" AS ENUM ('day', 'month', 'billing_period');

-- AlterTable
ALTER TABLE "plan_features" ADD COLUMN     "overage_event_name" VARCHAR(100),
ADD COLUMN     "overage_price_id" VARCHAR(255),
ADD COLUMN     "period" "QuotaPeriod";

-- CreateTable
CREATE TABLE "quota_leases" (
    "account_id" UUID NOT NULL,
    "feature" VARCHAR(64) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "instance_id" INTEGER NOT NULL,
    "granted" INTEGER NOT NULL DEFAULT 0,
    "used" INTEGER NOT NULL DEFAULT 0,
    "overage" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_leases_pkey" PRIMARY KEY ("account_id","feature","period_end","instance_id")
);

-- CreateTable
CREATE TABLE "analyses" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analyses_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "analyses_account_id_idx" ON "analyses"("account_id");

-- AddForeignKey
ALTER TABLE "analyses" ADD CONSTRAINT "analyses_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The example quota: the free plan analyses 20 projects a day.
INSERT INTO "plan_features" ("plan_id", "key", "limit", "period")
SELECT "id", 'analyses', 20, 'day' FROM "plans" WHERE "key" = 'free' AND "is_default"
ON CONFLICT DO NOTHING;
