ALTER TABLE "account_states" ADD COLUMN "run_fence" bigint;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "cancel_requested_at" timestamp with time zone;