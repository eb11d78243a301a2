/**
 * `recordAccount`: the facts the workflow decided (queued, deduplicated, cancelled, ...) and its account
 * projection, in one transaction. A fact the ledger refuses as data must not hold back the others, or the
 * workflow would retry the write forever: then each fact goes in its own transaction, and a refused one
 * becomes its task's `failed` (ledger_refused).
 */
import type { Db, Writer } from '../../db/client';
import type { RecordAccountInput, RecordAccountResult, TaskRecord } from '../../workflows/types';
import { isDataRefusal, refusalMessage } from '../ledger-refusals';
import { raiseRunFence, writeProjection } from './projection';
import { isQueued, writeQueued, writeRecord, type OtherRecord, type QueuedRecord } from './record-fact';

export type OnRefused = (err: unknown, what: string) => void;

export async function recordAccount(db: Db, input: RecordAccountInput, onRefused?: OnRefused): Promise<RecordAccountResult> {
  try {
    return await db.transaction((tx) => writeFacts(tx, input));
  } catch (err) {
    if (!isDataRefusal(err)) throw err; // a lost connection: the local activity tries again
    onRefused?.(err, 'the account facts, written one by one');
    return recordOneByOne(db, input, onRefused);
  }
}

/** Postgres takes 65,535 parameters at most: queued facts go in statements of up to this many. */
const QUEUED_PER_STATEMENT = 1000;

/**
 * The facts in order, a run of queued ones (a batch submission) in as few statements as fit; a queued
 * run never grows past `QUEUED_PER_STATEMENT`.
 */
function* inStatements(records: TaskRecord[]): Generator<{ queued: QueuedRecord[] } | { other: OtherRecord }> {
  let queued: QueuedRecord[] = [];
  for (const r of records) {
    if (isQueued(r)) {
      queued.push(r);
      if (queued.length < QUEUED_PER_STATEMENT) continue;
    }
    if (queued.length) yield { queued };
    queued = [];
    if (!isQueued(r)) yield { other: r };
  }
  if (queued.length) yield { queued };
}

async function writeFacts(tx: Writer, input: RecordAccountInput): Promise<RecordAccountResult> {
  // The fence first: once this commits, a run claims no further member, so a cancel below that finds its
  // task running knows that task is the run's last.
  if (input.runFence !== undefined) await raiseRunFence(tx, input.accountId, input.runFence);
  const runningCancelRequested: string[] = [];
  for (const step of inStatements(input.records)) {
    if ('queued' in step) {
      await writeQueued(tx, input.accountId, step.queued);
      continue;
    }
    const running = await writeRecord(tx, input.accountId, step.other);
    if (running) runningCancelRequested.push(running);
  }
  if (input.projection) await writeProjection(tx, input.projection);
  return { runningCancelRequested };
}

function taskIdOf(record: TaskRecord): string {
  return record.kind === 'queued' || record.kind === 'deduplicated' || record.kind === 'rejected' ? record.task.taskId : record.taskId;
}

/** Each fact in its own transaction; a refused task fact becomes that task's `failed` (ledger_refused). */
async function recordOneByOne(db: Db, input: RecordAccountInput, onRefused?: OnRefused): Promise<RecordAccountResult> {
  const runningCancelRequested: string[] = [];
  const { accountId } = input;
  if (input.runFence !== undefined) await raiseRunFence(db, accountId, input.runFence);
  for (const record of input.records) {
    try {
      const r = await db.transaction((tx) => writeFacts(tx, { accountId, records: [record], projection: null }));
      runningCancelRequested.push(...r.runningCancelRequested);
    } catch (err) {
      if (!isDataRefusal(err)) throw err;
      const taskId = taskIdOf(record);
      onRefused?.(err, `the ${record.kind} fact of task ${taskId}`);
      const error = { code: 'ledger_refused', message: refusalMessage(err, `the ${record.kind} fact of this task`) };
      await writeFacts(db, { accountId, records: [{ kind: 'failed', taskId, fencingToken: 0, error }], projection: null });
    }
  }
  if (input.projection) {
    // The projection is rewritten with the account's next change; a refused one is only logged.
    await writeProjection(db, input.projection).catch((err: unknown) => {
      if (!isDataRefusal(err)) throw err;
      onRefused?.(err, 'the account projection');
    });
  }
  return { runningCancelRequested };
}
