ALTER TABLE "tasks" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "request_hash" text;--> statement-breakpoint
-- Rows from before the outbox were written by their workflow, which therefore has them: delivered.
UPDATE "tasks" SET "delivered_at" = "created_at";--> statement-breakpoint
CREATE INDEX "tasks_undelivered_idx" ON "tasks" USING btree ("account_id","priority" DESC NULLS LAST,"seq") WHERE status = 'queued' AND delivered_at IS NULL;--> statement-breakpoint
CREATE INDEX "tasks_delivered_live_idx" ON "tasks" USING btree ("account_id") WHERE status IN ('queued', 'running') AND delivered_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_live_dedupe_key_idx" ON "tasks" USING btree ("account_id","dedupe_key") WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running');