/**
 * `npm run test:chaos`: one fault run (see ./fault-run.ts) with the figures printed as a table. Fails when
 * an acknowledged task is lost, finishes twice, two runs of one account overlap, FIFO by acknowledgement
 * breaks within an account, an interaction succeeds twice inside its window, a task ends with a wrong
 * outcome, the ledger does not drain in time, a submission is never acknowledged, or a Baton process dies
 * on its own (the full list: ./fault-run.ts). CHAOS_LONG_PG_OUTAGE=1 makes the Postgres outage 60 s;
 * `npm run test:chaos -- --server=cluster` (CHAOS_SERVER=cluster) runs it against the real Temporal server.
 */
import { expect, it } from 'vitest';
import { details, optionsFromEnv, runFaultRun } from './fault-run';

const options = optionsFromEnv();
const what = options.server === 'cluster'
  ? 'on the real Temporal server (two APIs, three workers): a worker kill, a Temporal restart and SIGKILL, a 20 s Temporal stop, a relay killed between signal and mark, a one-account flood, an API killed and a Postgres outage'
  : 'through a worker kill, a Temporal restart, a 20 s Temporal stop, a relay killed between signal and mark, a one-account flood, an API restart and a Postgres outage';

it(`keeps every invariant ${what}`, async () => {
  const report = await runFaultRun(options);
  expect(report.faults).toHaveLength(report.options.faults.length);
  expect(report.failures, `${report.table}\n${details(report)}`).toEqual([]);
}, options.budgetMs + 60_000);
