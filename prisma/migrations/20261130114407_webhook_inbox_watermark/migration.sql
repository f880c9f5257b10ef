-- CreateTable
CREATE TABLE "webhook_inbox_watermark" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "stored_through" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_inbox_watermark_pkey" PRIMARY KEY ("id")
);
