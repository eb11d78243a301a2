CREATE TABLE "account_errors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"task_id" text NOT NULL,
	"kind" text NOT NULL,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_settings" (
	"account_id" text PRIMARY KEY NOT NULL,
	"overrides" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "interaction_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"target" text NOT NULL,
	"action" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"task_id" text,
	"worker_id" text,
	"latency_ms" integer,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"metadata" jsonb
);
--> statement-breakpoint
CREATE TABLE "interaction_latest" (
	"account_id" text NOT NULL,
	"target" text NOT NULL,
	"action" text NOT NULL,
	"status" text NOT NULL,
	"task_id" text,
	"last_success_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "interaction_latest_account_id_target_action_pk" PRIMARY KEY("account_id","target","action")
);
--> statement-breakpoint
CREATE INDEX "account_errors_account_idx" ON "account_errors" USING btree ("account_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "interaction_events_ts_idx" ON "interaction_events" USING btree ("ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "interaction_events_account_idx" ON "interaction_events" USING btree ("account_id","ts" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "interaction_events_target_idx" ON "interaction_events" USING btree ("target","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "interaction_events_action_status_idx" ON "interaction_events" USING btree ("action","status","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "interaction_events_status_idx" ON "interaction_events" USING btree ("status","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "interaction_latest_expires_idx" ON "interaction_latest" USING btree ("expires_at");