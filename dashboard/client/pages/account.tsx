/** @jsxImportSource hono/jsx/dom */
/**
 * One account: live state from its workflow with the waiting list explained, controls, a submit form,
 * its last tasks on a time axis with its cooldowns, recent tasks, errors and breaker. Reloads when the live feed reports a change of this account.
 */
import { useEffect, useState } from 'hono/jsx/dom';
import { api, ApiFailure, ok } from '../api';
import { AccountControls } from '../components/account-controls';
import { AccountTimeline } from '../components/charts/account-timeline';
import { StateBadge } from '../components/badges';
import { ErrorNote, Loading, Time } from '../components/common';
import { Countdown } from '../components/countdown';
import { ErrorHistory } from '../components/error-history';
import { SubmitForm } from '../components/submit-form';
import { TaskTable } from '../components/task-table';
import { WaitingList } from '../components/waiting-list';
import { waitingFromLedger } from '../explain';
import { duration, shortId } from '../format';
import { useAccountFeed, useLoad, useNow, useThrottle } from '../hooks';
import { href, taskHref } from '../router';

const RECENT = 20;

/** The account, or null when the API does not know it (yet). */
async function maybe<T>(load: Promise<T>): Promise<T | null> {
  try {
    return await load;
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) return null;
    throw err;
  }
}

export function AccountPage({ accountId }: { accountId: string }) {
  const params = { path: { accountId } };
  const detail = useLoad(() => maybe(ok(api.GET('/api/account-execution-states/{accountId}', { params }))), []);
  const health = useLoad(() => maybe(ok(api.GET('/api/account-states/{accountId}', { params }))), []);
  const tasks = useLoad(() => ok(api.GET('/api/tasks', { params: { query: { accountId, limit: RECENT } } })), []);
  const fromLedger = detail.data?.live === false;
  const queued = useLoad(
    () => (fromLedger ? ok(api.GET('/api/tasks', { params: { query: { accountId, status: 'queued', limit: 500 } } })) : Promise.resolve(null)),
    [fromLedger],
  );
  const reloadAll = () => {
    detail.reload();
    health.reload();
    tasks.reload();
    queued.reload();
  };
  const refresh = useThrottle(reloadAll, 400);
  useAccountFeed((batch, resync) => {
    if (resync || batch.some((a) => a.accountId === accountId)) refresh();
  });

  // The ledger records a new task a moment after the workflow took it: read the list once more then.
  const [submitted, setSubmitted] = useState(0);
  useEffect(() => {
    if (!submitted) return;
    const id = setTimeout(tasks.reload, 1000);
    return () => clearTimeout(id);
  }, [submitted]);

  const account = detail.data ?? null;
  const waiting = account ? (fromLedger ? waitingFromLedger(account, queued.data?.items ?? []) : (account.waiting ?? [])) : [];
  const unknown = detail.data === null && !detail.loading;
  const cooling = account?.cooldownUntil ? Date.parse(account.cooldownUntil) : Infinity;
  const ticking = Number.isFinite(cooling) || Boolean(account?.runningSince) || waiting.length > 0 || Boolean(tasks.data?.items.some((t) => t.status === 'running'));
  const now = useNow(cooling - Date.now() < 12_000 ? 200 : 1000, ticking);
  return (
    <section aria-labelledby="account-h" data-testid="account-page" data-account-id={accountId}>
      <p class="crumbs">
        <a href="#/">Overview</a> / account
      </p>
      <div class="page-head">
        <h1 id="account-h" tabindex={-1}>
          {accountId}
        </h1>
        {account ? <StateBadge state={account.state} /> : null}
        {account?.state === 'COOLDOWN' && account.cooldownUntil ? <Countdown until={account.cooldownUntil} now={now} /> : null}
        {account?.temporalUiUrl ? (
          <a class="external" href={account.temporalUiUrl} target="_blank" rel="noopener noreferrer" data-testid="temporal-link">
            Workflow in Temporal Web UI<span class="sr-only"> (opens in a new tab)</span> ↗
          </a>
        ) : null}
      </div>
      <ErrorNote error={detail.error} />
      {detail.data === undefined && detail.loading ? <Loading what="the account" /> : null}
      {unknown ? (
        <p class="note" data-testid="account-unknown">
          No account “{accountId}” is tracked yet. Submitting a task below starts it.
        </p>
      ) : null}
      {account ? (
        <div class="card summary">
          <dl class="facts">
            <div>
              <dt>Running</dt>
              <dd data-testid="running-task">
                {account.runningTaskId ? (
                  <>
                    <a href={taskHref(account.runningTaskId)} title={account.runningTaskId}>
                      {account.runningTaskType ?? 'task'} {shortId(account.runningTaskId)}
                    </a>
                    {account.runningSince ? <span class="muted"> for {duration(now - Date.parse(account.runningSince))}</span> : null}
                  </>
                ) : (
                  'nothing'
                )}
              </dd>
            </div>
            <div>
              <dt>Queue</dt>
              <dd data-testid="queue-length">{account.queueLength}</dd>
            </div>
            {account.cooldownUntil ? (
              <div>
                <dt>Cooldown until</dt>
                <dd>
                  <Time iso={account.cooldownUntil} />
                  {account.cooldownReason ? <span class="muted"> ({account.cooldownReason})</span> : null}
                </dd>
              </div>
            ) : null}
            {account.state === 'SUSPENDED' ? (
              <div>
                <dt>Suspended</dt>
                <dd>{account.suspendedReason ?? 'yes'}</dd>
              </div>
            ) : null}
            <div>
              <dt>Source</dt>
              <dd data-testid="account-source">{account.live === false ? 'last recorded state (no worker answered)' : 'live from the workflow'}</dd>
            </div>
          </dl>
        </div>
      ) : null}
      <AccountControls accountId={accountId} account={account} onDone={refresh} />
      {account ? <WaitingList account={account} waiting={waiting} source={fromLedger ? 'ledger' : 'workflow'} onChange={refresh} now={now} /> : null}
      <SubmitForm
        accountId={accountId}
        onSubmitted={() => {
          refresh();
          setSubmitted((n) => n + 1);
        }}
      />
      {unknown ? null : <AccountTimeline accountId={accountId} now={now} />}
      <section aria-labelledby="recent-h" class="card">
        <div class="section-head">
          <h2 id="recent-h">Recent tasks</h2>
          <a href={href(['tasks'], { accountId })}>All tasks of this account</a>
        </div>
        <ErrorNote error={tasks.error} />
        {tasks.data?.items.length ? (
          <TaskTable tasks={tasks.data.items} showAccount={false} onChange={refresh} caption={`The last ${RECENT} tasks of ${accountId}`} now={now} />
        ) : tasks.data ? (
          <p class="muted">No tasks yet.</p>
        ) : null}
      </section>
      <ErrorNote error={health.error} />
      {health.data ? <ErrorHistory health={health.data} /> : null}
    </section>
  );
}
