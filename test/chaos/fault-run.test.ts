/**
 * `npm run test:chaos`: one fault run (see ./fault-run.ts) with the figures printed as a table. Fails when
 * an acknowledged task is lost, finishes twice, two runs of one account overlap, FIFO by acknowledgement
 * breaks within an account, an interaction succeeds twice inside its window, a task ends with a wrong
 * outcome, the ledger does not drain in time, a submission is never acknowledged, or a Baton process dies
 * on its own (the full list: ./fault-run.ts). CHAOS_LONG_PG_OUTAGE=1 makes the Postgres outage 60 s.
 */
import { expect, it } from 'vitest';
import { details, optionsFromEnv, runFaultRun } from './fault-run';

it('keeps every invariant through a worker kill, a Temporal restart, a 20 s Temporal stop, a relay killed between signal and mark, a one-account flood, an API restart and a Postgres outage', async () => {
  const report = await runFaultRun(optionsFromEnv());
  expect(report.faults).toHaveLength(report.options.faults.length);
  expect(report.failures, `${report.table}\n${details(report)}`).toEqual([]);
});
