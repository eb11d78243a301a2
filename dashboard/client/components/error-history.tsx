/** @jsxImportSource hono/jsx/dom */
/** The account's error state: counters, the circuit breaker and its history, the last errors. */
import { useState } from 'hono/jsx/dom';
import type { AccountError, AccountHealth, BreakerChange } from '../types';
import { Time } from './common';
import { TaskLink } from './links';
import { Table, type Column } from './table';

const SHOWN = 10;

const BREAKER_COLUMNS: Column<BreakerChange>[] = [
  { header: 'When', cell: (h) => <Time iso={h.at} /> },
  { header: 'Change', cell: (h) => `${h.from} → ${h.to}` },
  { header: 'Why', cell: (h) => h.reason },
];

const ERROR_COLUMNS: Column<AccountError>[] = [
  { header: 'When', cell: (e) => <Time iso={e.at} /> },
  { header: 'Kind', cell: (e) => e.kind.replace('_', ' ') },
  { header: 'Code', cell: (e) => <code>{e.code}</code> },
  { header: 'Message', cell: (e) => e.message },
  { header: 'Task', cell: (e) => <TaskLink taskId={e.taskId} /> },
];

export function ErrorHistory({ health }: { health: AccountHealth }) {
  const [all, setAll] = useState(false);
  const errors = all ? health.errors : health.errors.slice(0, SHOWN);
  const history = [...(health.breakerHistory ?? [])].reverse();
  return (
    <section aria-labelledby="errors-h" class="card">
      <h2 id="errors-h">Errors and breaker</h2>
      <dl class="facts">
        <div>
          <dt>Circuit breaker</dt>
          <dd>
            <span class={`badge breaker-${health.breaker ?? 'closed'}`} data-testid="breaker" data-breaker={health.breaker ?? 'closed'}>
              {(health.breaker ?? 'closed').replace('_', ' ')}
            </span>
          </dd>
        </div>
        <div>
          <dt>Consecutive rate limits</dt>
          <dd data-testid="consecutive-rate-limits">{health.consecutiveRateLimits}</dd>
        </div>
        <div>
          <dt>Consecutive failures</dt>
          <dd>{health.consecutiveFailures ?? 0}</dd>
        </div>
      </dl>
      {history.length ? (
        <details>
          <summary>Breaker history ({history.length})</summary>
          <Table columns={BREAKER_COLUMNS} rows={history} />
        </details>
      ) : null}
      <h3>Last errors</h3>
      <Table
        columns={ERROR_COLUMNS}
        rows={errors}
        testid="error-table"
        rowTestid="error-row"
        row={(e) => ({ 'data-kind': e.kind })}
        empty={
          <p class="muted" data-testid="errors-empty">
            No errors recorded.
          </p>
        }
      />
      {health.errors.length > SHOWN ? (
        <button type="button" class="link" onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${health.errors.length}`}
        </button>
      ) : null}
    </section>
  );
}
