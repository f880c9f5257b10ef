-- CreateTable
CREATE TABLE "payment_refunds" (
    "stripe_payment_intent_id" VARCHAR(255) NOT NULL,
    "stripe_charge_id" VARCHAR(255),
    "amount" INTEGER,
    "amount_refunded" INTEGER NOT NULL DEFAULT 0,
    "stripe_event_id" VARCHAR(255),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_refunds_pkey" PRIMARY KEY ("stripe_payment_intent_id")
);
