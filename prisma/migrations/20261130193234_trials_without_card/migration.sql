-- AlterTable
ALTER TABLE "plans" ADD COLUMN     "trial_without_card" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "trial_starts" (
    "account_id" UUID NOT NULL,
    "plan_id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stripe_subscription_id" VARCHAR(255),

    CONSTRAINT "trial_starts_pkey" PRIMARY KEY ("account_id","plan_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "trial_starts_stripe_subscription_id_key" ON "trial_starts"("stripe_subscription_id");

-- CreateIndex
CREATE INDEX "trial_starts_plan_id_idx" ON "trial_starts"("plan_id");

-- AddForeignKey
ALTER TABLE "trial_starts" ADD CONSTRAINT "trial_starts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trial_starts" ADD CONSTRAINT "trial_starts_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
