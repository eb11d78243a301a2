CREATE TABLE "account_cooldowns" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"reason" text
);
--> statement-breakpoint
ALTER TABLE "account_cooldowns" ADD CONSTRAINT "account_cooldowns_account_id_account_states_account_id_fk" FOREIGN KEY ("account_id") REFERENCES "account_states"("account_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_cooldowns_account_idx" ON "account_cooldowns" USING btree ("account_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "task_events_at_idx" ON "task_events" USING btree ("at","type");--> statement-breakpoint
-- Cooldown history for the account timeline, kept by the database: any write of an account's state row
-- that changes cooldown_until closes the open cooldown (at now, or at its end if that came first) and,
-- when a new end lies ahead, opens one. Only the newest 100 rows per account are kept. Table names are
-- qualified with the trigger's own schema (one database may hold several Baton schemas).
CREATE OR REPLACE FUNCTION baton_record_cooldown() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.cooldown_until IS NOT DISTINCT FROM NEW.cooldown_until THEN
    RETURN NULL;
  END IF;
  EXECUTE format('UPDATE %I.account_cooldowns SET ended_at = least(now(), until) WHERE account_id = $1 AND ended_at IS NULL', TG_TABLE_SCHEMA)
    USING NEW.account_id;
  IF NEW.cooldown_until IS NOT NULL AND NEW.cooldown_until > now() THEN
    EXECUTE format('INSERT INTO %I.account_cooldowns (account_id, started_at, until, reason) VALUES ($1, now(), $2, $3)', TG_TABLE_SCHEMA)
      USING NEW.account_id, NEW.cooldown_until, NEW.cooldown_reason;
    EXECUTE format(
      'DELETE FROM %1$I.account_cooldowns WHERE account_id = $1 AND id < (SELECT id FROM %1$I.account_cooldowns WHERE account_id = $1 ORDER BY id DESC OFFSET 99 LIMIT 1)',
      TG_TABLE_SCHEMA) USING NEW.account_id;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER account_states_cooldowns AFTER INSERT OR UPDATE OF cooldown_until ON account_states FOR EACH ROW EXECUTE FUNCTION baton_record_cooldown();
