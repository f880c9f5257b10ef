-- AlterTable
ALTER TABLE "credit_balances" ADD COLUMN     "lot_credits" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "credit_entries" ADD COLUMN     "created_by" UUID,
ADD COLUMN     "note" VARCHAR(200);

-- AlterTable
ALTER TABLE "prices" ADD COLUMN     "credits_expire_after_days" INTEGER;

-- CreateTable
CREATE TABLE "credit_lots" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "amount" INTEGER NOT NULL,
    "remaining" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "expired_at" TIMESTAMPTZ(3),
    "source_entry_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_lots_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credit_lots_source_entry_id_key" ON "credit_lots"("source_entry_id");

-- CreateIndex
CREATE INDEX "credit_lots_account_id_idx" ON "credit_lots"("account_id");

-- CreateIndex
CREATE INDEX "credit_lots_expires_at_idx" ON "credit_lots"("expires_at");

-- AddForeignKey
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_source_entry_id_fkey" FOREIGN KEY ("source_entry_id") REFERENCES "credit_entries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
