-- Live event streams (GET /api/tasks/{taskId}/events, GET /api/events) without polling: each API process
-- LISTENs once and wakes the streams a change concerns. Payloads carry the schema, because one database
-- may hold several Baton schemas and channel names are database-wide.

-- A task's events get their ids in commit order: an insert waits (transaction-scoped advisory lock on the
-- task) until the previous writer of the same task committed, then draws its id. A reader that has seen
-- id N of a task has therefore seen every smaller id of it, which is what makes "resume after
-- Last-Event-ID" free of gaps. Writers of different tasks do not wait for each other. (The column default
-- has drawn an id before the trigger runs, so each insert uses two sequence values: ids stay unique and
-- increasing, with holes.)
CREATE OR REPLACE FUNCTION baton_task_events_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1651470958, hashtext(NEW.task_id));
  NEW.id := nextval(pg_get_serial_sequence(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), 'id'));
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER task_events_order BEFORE INSERT ON task_events FOR EACH ROW EXECUTE FUNCTION baton_task_events_order();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION baton_notify_task_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('baton_task_events', json_build_object('s', TG_TABLE_SCHEMA, 'id', NEW.id, 't', NEW.task_id)::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER task_events_notify AFTER INSERT ON task_events FOR EACH ROW EXECUTE FUNCTION baton_notify_task_event();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION baton_notify_account_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('baton_account_states', json_build_object('s', TG_TABLE_SCHEMA, 'a', NEW.account_id)::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER account_states_notify AFTER INSERT OR UPDATE ON account_states FOR EACH ROW EXECUTE FUNCTION baton_notify_account_state();
