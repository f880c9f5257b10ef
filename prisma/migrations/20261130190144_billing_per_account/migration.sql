-- The billing subject moves from the user to the account: every row a user owned moves to that user's
-- personal account (made for every user by the accounts migration), with every other column unchanged.

-- The Stripe customer moves to the personal account.
ALTER TABLE "accounts" ADD COLUMN "stripe_customer_id" VARCHAR(255);
UPDATE "accounts" a SET "stripe_customer_id" = u."stripe_customer_id"
  FROM "users" u WHERE a."personal_user_id" = u."id" AND u."stripe_customer_id" IS NOT NULL;
DROP INDEX "users_stripe_customer_id_key";
ALTER TABLE "users" DROP COLUMN "stripe_customer_id";
CREATE UNIQUE INDEX "accounts_stripe_customer_id_key" ON "accounts"("stripe_customer_id");

-- Tables with a foreign key to users.
ALTER TABLE "subscriptions" DROP CONSTRAINT "subscriptions_user_id_fkey";
ALTER TABLE "credit_balances" DROP CONSTRAINT "credit_balances_user_id_fkey";
ALTER TABLE "credit_entries" DROP CONSTRAINT "credit_entries_user_id_fkey";
ALTER TABLE "grants" DROP CONSTRAINT "grants_user_id_fkey";
ALTER TABLE "entitlement_events" DROP CONSTRAINT "entitlement_events_user_id_fkey";
ALTER TABLE "projects" DROP CONSTRAINT "projects_user_id_fkey";

ALTER TABLE "subscriptions" ADD COLUMN "account_id" UUID;
ALTER TABLE "credit_balances" ADD COLUMN "account_id" UUID;
ALTER TABLE "credit_entries" ADD COLUMN "account_id" UUID;
ALTER TABLE "grants" ADD COLUMN "account_id" UUID;
ALTER TABLE "entitlement_events" ADD COLUMN "account_id" UUID;
ALTER TABLE "payment_required_events" ADD COLUMN "account_id" UUID;
ALTER TABLE "projects" ADD COLUMN "account_id" UUID;
ALTER TABLE "exports" ADD COLUMN "account_id" UUID;

UPDATE "subscriptions" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "credit_balances" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "credit_entries" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "grants" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "entitlement_events" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "payment_required_events" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "projects" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";
UPDATE "exports" t SET "account_id" = a."id" FROM "accounts" a WHERE a."personal_user_id" = t."user_id";

-- Only the two tables without a foreign key can hold rows of a user that no longer exists: nobody can
-- read those, so they go rather than block the migration.
DELETE FROM "payment_required_events" WHERE "account_id" IS NULL;
DELETE FROM "exports" WHERE "account_id" IS NULL;

ALTER TABLE "credit_balances" DROP CONSTRAINT "credit_balances_pkey";
ALTER TABLE "credit_balances" ADD CONSTRAINT "credit_balances_pkey" PRIMARY KEY ("account_id");

ALTER TABLE "subscriptions" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "credit_balances" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "credit_entries" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "grants" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "entitlement_events" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "payment_required_events" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "projects" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";
ALTER TABLE "exports" ALTER COLUMN "account_id" SET NOT NULL, DROP COLUMN "user_id";

CREATE INDEX "subscriptions_account_id_idx" ON "subscriptions"("account_id");
CREATE INDEX "credit_entries_account_id_created_at_idx" ON "credit_entries"("account_id", "created_at");
CREATE INDEX "grants_account_id_idx" ON "grants"("account_id");
CREATE INDEX "entitlement_events_account_id_created_at_idx" ON "entitlement_events"("account_id", "created_at");
CREATE INDEX "payment_required_events_account_id_created_at_idx" ON "payment_required_events"("account_id", "created_at");
CREATE INDEX "projects_account_id_idx" ON "projects"("account_id");
CREATE INDEX "exports_account_id_idx" ON "exports"("account_id");

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "credit_balances" ADD CONSTRAINT "credit_balances_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "credit_entries" ADD CONSTRAINT "credit_entries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "grants" ADD CONSTRAINT "grants_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "entitlement_events" ADD CONSTRAINT "entitlement_events_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "projects" ADD CONSTRAINT "projects_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Seats: a per-seat price makes the subscription's quantity follow the member count.
ALTER TABLE "prices" ADD COLUMN "per_seat" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "subscriptions" ADD COLUMN "quantity" INTEGER NOT NULL DEFAULT 1;
