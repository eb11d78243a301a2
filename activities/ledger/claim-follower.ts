/**
 * A run's later member, claimed in one statement (the hot path of a run: one per task), with its started
 * event.
 *
 * - `first`: from `queued` only and below the account's run fence. The account row is locked (FOR
 *   UPDATE: the statement writes it), so a fence being raised and a claim go one after the other, and
 *   whoever raises the fence then sees every claim made before it.
 * - `again`: only a member this run started (a retry of the run resumes its member, and starts no new one).
 *
 * The account shows the member as its running task: the workflow only hears of the run when it ends, so
 * its own projection still names the first member; its next write (a newer version) replaces this.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountStates, taskEvents, tasks } from '../../db/schema';
import { claimableBy, type Lease } from './lease';

/**
 * How a run's member after the first may be claimed. `first`: not started by this run before, so the
 * account's run fence must be below its token. `again`: only a task this run already started.
 */
export type FollowerClaim = { accountId: string; mode: 'first' | 'again' };

type Claimed = { attempts: number; payload: unknown };

/** The claimed member's attempts and payload, or null when the claim took nothing. */
export async function claimFollower(
  db: Db,
  follower: FollowerClaim & { type: string },
  taskId: string,
  lease: Lease,
): Promise<Claimed | null> {
  const { accountId, type } = follower;
  const now = new Date().toISOString();
  const claimable = follower.mode === 'first'
    ? sql`status = 'queued' AND coalesce((SELECT f FROM fence), 0) < ${lease.fencingToken}::bigint`
    : sql`status IN ('queued', 'running') AND fencing_token = ${lease.fencingToken}::bigint`;
  const { rows } = await db.execute<Claimed>(sql`
    WITH fence AS (
      SELECT coalesce(run_fence, 0) AS f FROM ${accountStates} WHERE account_id = ${accountId} FOR UPDATE
    ), claimed AS (
      UPDATE ${tasks}
      SET status = 'running', attempts = attempts + 1, fencing_token = ${lease.fencingToken}::bigint,
          activity_attempt = ${lease.activityAttempt}::int, started_at = coalesce(started_at, ${now}::timestamptz),
          updated_at = ${now}::timestamptz
      WHERE task_id = ${taskId} AND ${claimable} AND ${claimableBy(lease)}
      RETURNING attempts, account_id, payload
    ), started AS (
      INSERT INTO ${taskEvents} (task_id, account_id, type, at, data)
      SELECT ${taskId}, account_id, 'started', ${now}::timestamptz,
             jsonb_build_object('attempt', attempts, 'fencingToken', ${lease.fencingToken}::bigint, 'activityAttempt', ${lease.activityAttempt}::int)
      FROM claimed
    ), shown AS (
      UPDATE ${accountStates}
      SET running_task_id = ${taskId}, running_task_type = ${type}, running_since = ${now}::timestamptz,
          queue_length = greatest(queue_length - 1, 0), lease_token = ${lease.fencingToken}::bigint,
          lease_attempt = ${lease.activityAttempt}::int, updated_at = ${now}::timestamptz
      WHERE account_id = ${accountId} AND coalesce(lease_token, 0) < ${lease.fencingToken}::bigint AND EXISTS (SELECT 1 FROM claimed)
    )
    SELECT attempts, payload FROM claimed`);
  const [row] = rows;
  return row ? { attempts: row.attempts, payload: row.payload } : null;
}
