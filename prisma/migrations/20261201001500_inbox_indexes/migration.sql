-- The worker's claim (every second on every instance) reads only the rows it may take. Its WHERE starts
-- with this predicate word for word (src/modules/webhooks/webhook-inbox.queries.ts, CLAIMABLE), so that
-- PostgreSQL proves the index applies; ordered like the claim, oldest event first.
CREATE INDEX "webhook_events_claimable_idx" ON "webhook_events"("stripe_created_at")
    WHERE status IN ('pending', 'failed', 'processing');

-- The partial index above serves what this one did (no other query filters on next_attempt_at).
DROP INDEX "webhook_events_status_next_attempt_at_idx";

-- The admin list, with and without a status, newest first; the retention pass (status, received_at).
CREATE INDEX "webhook_events_status_received_at_idx" ON "webhook_events"("status", "received_at");
CREATE INDEX "webhook_events_received_at_idx" ON "webhook_events"("received_at");

-- Deleting a project deletes its exports and analyses (ON DELETE CASCADE): without these, a scan of each table.
CREATE INDEX "exports_project_id_idx" ON "exports"("project_id");
CREATE INDEX "analyses_project_id_idx" ON "analyses"("project_id");
