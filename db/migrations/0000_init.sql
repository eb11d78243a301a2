CREATE TABLE "account_states" (
	"account_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"running_task_id" text,
	"running_task_type" text,
	"running_since" timestamp with time zone,
	"queue_length" integer DEFAULT 0 NOT NULL,
	"cooldown_until" timestamp with time zone,
	"cooldown_reason" text,
	"suspended_reason" text,
	"consecutive_rate_limits" integer DEFAULT 0 NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"breaker" text DEFAULT 'closed' NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"lease_token" bigint,
	"lease_attempt" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"account_id" text NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"task_id" text PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"account_id" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"dedupe_key" text,
	"priority" integer DEFAULT 0 NOT NULL,
	"run_after" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"fencing_token" bigint,
	"activity_attempt" integer,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"result" jsonb,
	"error" jsonb,
	"duplicate_of" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "account_states_state_idx" ON "account_states" USING btree ("state","account_id");--> statement-breakpoint
CREATE INDEX "task_events_task_idx" ON "task_events" USING btree ("task_id","id");--> statement-breakpoint
CREATE INDEX "tasks_created_idx" ON "tasks" USING btree ("created_at" DESC NULLS LAST,"task_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_account_created_idx" ON "tasks" USING btree ("account_id","created_at" DESC NULLS LAST,"task_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_status_created_idx" ON "tasks" USING btree ("status","created_at" DESC NULLS LAST,"task_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_queued_idx" ON "tasks" USING btree ("account_id","priority" DESC NULLS LAST,"seq") WHERE status = 'queued';