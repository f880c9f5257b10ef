-- CreateEnum
CREATE TYPE "AccountRole" AS ENUM ('owner', 'admin', 'member');

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "personal" BOOLEAN NOT NULL DEFAULT false,
    "personal_user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "account_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "AccountRole" NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("account_id","user_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_personal_user_id_key" ON "accounts"("personal_user_id");

-- CreateIndex
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_personal_user_id_fkey" FOREIGN KEY ("personal_user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: every user, erased ones too, gets a personal account that they own. The name is the user's
-- name, else the part of the email before the @; an erased user's is "Deleted user" (no personal data).
INSERT INTO "accounts" ("id", "name", "personal", "personal_user_id", "created_at")
SELECT gen_random_uuid(),
       CASE WHEN "deleted_at" IS NOT NULL THEN 'Deleted user'
            ELSE left(coalesce(nullif(btrim("name"), ''), split_part("email", '@', 1)), 100) END,
       true, "id", "created_at"
  FROM "users";

INSERT INTO "memberships" ("account_id", "user_id", "role", "joined_at")
SELECT "id", "personal_user_id", 'owner', "created_at" FROM "accounts" WHERE "personal";

-- AlterTable: existing keys act for their owner's personal account.
ALTER TABLE "api_keys" ADD COLUMN "account_id" UUID;

UPDATE "api_keys" SET "account_id" = "accounts"."id"
  FROM "accounts" WHERE "accounts"."personal_user_id" = "api_keys"."user_id";

ALTER TABLE "api_keys" ALTER COLUMN "account_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "api_keys_account_id_idx" ON "api_keys"("account_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
