/**
 * The ledger: the task rows, their events and the account projection, one operation per module. Every
 * write that concerns a running attempt carries its lease (`lease.ts`) and is refused when a newer attempt
 * holds the task, so a stale attempt cannot overwrite what a newer one recorded.
 *
 * - `record.ts`: the workflow's facts and projection (`recordAccount`), one fact at a time in `record-fact.ts`
 * - `claim.ts`, `claim-follower.ts`: an attempt claims its task (`startAttempt`)
 * - `finish.ts`: how the attempt ended (`finishAttempt`)
 * - `attempt-notes.ts`: progress and retries on the way
 * - `run-members.ts`: what became of a run that gave no answer (`readRunMembers`)
 * - `account-errors.ts`: the account's error history
 * - outcomes and task statuses are mapped once, in workflows/task-status.ts (the state machine uses it too)
 */
export { recordAccountError } from './account-errors';
export { recordProgress, recordRetry } from './attempt-notes';
export { cancelRequested, startAttempt, type FollowerClaim, type StartResult } from './claim';
export { finishAttempt, MAX_RESULT_CHARS } from './finish';
export { holdsLease, type Lease } from './lease';
export { raiseRunFence, writeProjection } from './projection';
export { recordAccount } from './record';
export { readRunMembers } from './run-members';
