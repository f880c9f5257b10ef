-- CreateTable
CREATE TABLE "quota_alerts" (
    "account_id" UUID NOT NULL,
    "feature" VARCHAR(64) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "alerted_percent" SMALLINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_alerts_pkey" PRIMARY KEY ("account_id","feature","period_end")
);
