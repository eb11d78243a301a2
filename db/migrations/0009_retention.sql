-- Retention (activities/cleanup.ts): finished tasks are deleted oldest first by finished_at, error history
-- by its time. Built inside the migration's transaction, so writes to these tables wait while it runs: on a
-- large ledger apply it in a quiet moment (bench/README.md has the time it takes for 1,000,000 tasks).
CREATE INDEX "account_errors_at_idx" ON "account_errors" USING btree ("at");--> statement-breakpoint
CREATE INDEX "tasks_finished_idx" ON "tasks" USING btree ("finished_at") WHERE finished_at IS NOT NULL;