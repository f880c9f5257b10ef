-- CreateTable
CREATE TABLE "invoices" (
    "id" VARCHAR(255) NOT NULL,
    "account_id" UUID NOT NULL,
    "stripe_customer_id" VARCHAR(255) NOT NULL,
    "stripe_subscription_id" VARCHAR(255),
    "number" VARCHAR(255),
    "status" VARCHAR(32) NOT NULL,
    "amount_due" BIGINT NOT NULL,
    "amount_paid" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "hosted_invoice_url" VARCHAR(2048),
    "invoice_pdf" VARCHAR(2048),
    "stripe_created_at" TIMESTAMPTZ(3) NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sync_ticket" BIGSERIAL NOT NULL,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "invoices_account_id_stripe_created_at_id_idx" ON "invoices"("account_id", "stripe_created_at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
