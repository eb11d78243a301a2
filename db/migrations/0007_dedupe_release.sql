-- Dedupe keys an operator can release (DELETE /api/accounts/{accountId}/dedupe-keys/{key}): the task keeps
-- its dedupe_key as the record of what it held, dedupe_released_at says it no longer holds it, and the
-- unique index that enforces the lock leaves released keys out (db/schema.ts `holdsDedupeKey`).
DROP INDEX "tasks_live_dedupe_key_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "dedupe_released_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "waited_for_account" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_account_started_idx" ON "tasks" USING btree ("account_id","started_at" DESC NULLS LAST) WHERE started_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_waited_for_account_idx" ON "tasks" USING btree ("account_id") WHERE waited_for_account;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_live_dedupe_key_idx" ON "tasks" USING btree ("account_id","dedupe_key") WHERE dedupe_key IS NOT NULL AND dedupe_released_at IS NULL AND status IN ('queued', 'running');--> statement-breakpoint
-- totalConcurrencyBlocks as a running total kept in the ledger: when a task first starts, it "had to wait
-- for its account" when the account's previous task to start (by started_at) had not finished by the time
-- this one was acknowledged (created_at). One at a time, that previous task is the last that could have
-- held it back. A trigger, so that both ways a start is written (startAttempt, claimFollower) set it, in
-- the same statement, with one indexed read (tasks_account_started_idx).
CREATE OR REPLACE FUNCTION baton_task_waited_for_account() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  previous_finished timestamptz;
  found_previous boolean;
BEGIN
  SELECT true, t.finished_at INTO found_previous, previous_finished
    FROM tasks t
    WHERE t.account_id = NEW.account_id AND t.task_id <> NEW.task_id AND t.started_at IS NOT NULL AND t.started_at <= NEW.started_at
    ORDER BY t.started_at DESC NULLS LAST -- as tasks_account_started_idx is built: an index read of one row
    LIMIT 1;
  NEW.waited_for_account := coalesce(found_previous, false) AND (previous_finished IS NULL OR previous_finished > NEW.created_at);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER tasks_waited_for_account BEFORE UPDATE OF started_at ON tasks FOR EACH ROW
  WHEN (OLD.started_at IS NULL AND NEW.started_at IS NOT NULL) EXECUTE FUNCTION baton_task_waited_for_account();
--> statement-breakpoint
-- The same rule over the tasks that started before this migration.
UPDATE "tasks" SET "waited_for_account" = true
  FROM (
    SELECT task_id, created_at,
           lag(task_id) OVER w AS previous_id, lag(finished_at) OVER w AS previous_finished
      FROM "tasks" WHERE started_at IS NOT NULL
      WINDOW w AS (PARTITION BY account_id ORDER BY started_at, seq)
  ) AS p
  WHERE p.task_id = "tasks"."task_id" AND p.previous_id IS NOT NULL
    AND (p.previous_finished IS NULL OR p.previous_finished > p.created_at);
