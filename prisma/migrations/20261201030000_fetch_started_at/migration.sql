-- When the Stripe fetch a row holds was sent (the database's clock, like webhook_events.received_at):
-- an event received before it is answered by that fetch and needs no fetch of its own.
ALTER TABLE "subscriptions" ADD COLUMN "fetch_started_at" TIMESTAMPTZ(3);
ALTER TABLE "invoices" ADD COLUMN "fetch_started_at" TIMESTAMPTZ(3);
-- Stripe's status_transitions.paid_at, for the receipt of an invoice whose paid fetch another event made.
ALTER TABLE "invoices" ADD COLUMN "paid_at" TIMESTAMPTZ(3);
