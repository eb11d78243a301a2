/** @jsxImportSource hono/jsx/dom */
/** The overview's figures: accounts by state, tasks running and waiting, held back by the one-at-a-time rule, dedupe keys, tasks by status. */
import { api, ok } from '../api';
import { percent } from '../format';
import { useAccountFeed, useLoad, useThrottle } from '../hooks';
import type { ConcurrencyMetrics, DashboardMetrics } from '../types';
import { ErrorNote } from './common';

interface Figures {
  concurrency: ConcurrencyMetrics;
  metrics: DashboardMetrics | null;
}

async function loadFigures(): Promise<Figures> {
  const [concurrency, metrics] = await Promise.all([
    ok(api.GET('/api/metrics/concurrency')),
    // Older APIs have no /api/metrics: the overview does without those figures.
    ok(api.GET('/api/metrics')).catch(() => null),
  ]);
  return { concurrency, metrics };
}

function Tile(props: { label: string; value: string | number; testid: string; href?: string; hint?: string }) {
  const body = (
    <>
      <span class="tile-value" data-testid={props.testid}>
        {props.value}
      </span>
      <span class="tile-label">{props.label}</span>
      {props.hint ? <span class="tile-hint">{props.hint}</span> : null}
    </>
  );
  return <li class="tile">{props.href ? <a href={props.href}>{body}</a> : body}</li>;
}

export function Counts() {
  const figures = useLoad(loadFigures, []);
  const refresh = useThrottle(figures.reload, 1000);
  useAccountFeed(refresh);
  const c = figures.data?.concurrency;
  const m = figures.data?.metrics;
  const available = c ? Math.max(0, c.totalAccountsTracked - c.accountsRunning - c.accountsCooldown - c.accountsSuspended) : '…';
  const byStatus = m ? Object.entries(m.tasks.byStatus).filter(([, n]) => n > 0) : [];
  return (
    <section aria-labelledby="counts-h" class="counts">
      <h2 id="counts-h" class="sr-only">
        Figures
      </h2>
      <ErrorNote error={figures.error} />
      <ul class="tiles" aria-label="Accounts by state">
        <Tile label="Available" value={available} testid="count-available" href="#/?state=AVAILABLE" />
        <Tile label="Running" value={c?.accountsRunning ?? '…'} testid="count-running" href="#/?state=RUNNING" />
        <Tile label="Cooldown" value={c?.accountsCooldown ?? '…'} testid="count-cooldown" href="#/?state=COOLDOWN" />
        <Tile label="Suspended" value={c?.accountsSuspended ?? '…'} testid="count-suspended" href="#/?state=SUSPENDED" />
      </ul>
      <ul class="tiles" aria-label="Tasks">
        <Tile label="Tasks running" value={c?.tasksRunning ?? '…'} testid="count-tasks-running" href="#/tasks?status=running" />
        <Tile label="Tasks waiting" value={c?.totalTasksQueuedWaiting ?? '…'} testid="count-tasks-waiting" href="#/tasks?view=waiting" />
        <Tile label="Held back now by one-at-a-time" value={c?.currentConcurrencyBlocks ?? '…'} testid="count-blocks" href="#/tasks?view=waiting&reason=account_busy" />
        <Tile
          label="Had to wait for their account"
          value={c?.totalConcurrencyBlocks ?? '…'}
          testid="count-blocks-total"
          hint="all tasks in the ledger that waited for another task of their account"
        />
        {m?.dedupeKeys ? <Tile label="Dedupe keys held" value={m.dedupeKeys.held} testid="count-dedupe-keys" href="#/dedupe-keys" /> : null}
        {m ? (
          <Tile
            label={`Dedupe hit rate (${m.interactions.windowHours} h)`}
            value={percent(m.interactions.dedupeHitRate)}
            testid="dedupe-hit-rate"
            href="#/interactions?status=dedupe_hit"
          />
        ) : null}
      </ul>
      {byStatus.length ? (
        <p class="by-status" data-testid="tasks-by-status">
          <span class="muted">Tasks by status: </span>
          {byStatus.map(([status, n], i) => (
            <>
              {i ? ' · ' : ''}
              <a href={`#/tasks?status=${status}`}>
                {status} {n}
              </a>
            </>
          ))}
        </p>
      ) : null}
    </section>
  );
}
