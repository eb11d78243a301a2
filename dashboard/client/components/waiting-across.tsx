/** @jsxImportSource hono/jsx/dom */
/**
 * Every task that waits, across accounts, oldest first: why it waits, its place in its account's queue and
 * when it should start, filtered by reason. It answers "what waits on account availability, and until
 * when". The figures come with the list (`GET /api/tasks?status=queued&order=oldest`), one rule for all.
 */
import { api, compact, ok } from '../api';
import { useCursorPages } from '../cursor-pages';
import { relative, shortId, time } from '../format';
import { useAccountFeed, useLoad, useNow, useThrottle } from '../hooks';
import { accountHref, href, navigate, taskHref } from '../router';
import { WAITING_REASONS, type Task, type WaitingReason } from '../types';
import { CancelButton } from './cancel-button';
import { ErrorNote, Loading, Pager, Time } from './common';

export const REASON_LABEL: Record<WaitingReason, string> = {
  account_busy: 'Account busy',
  account_cooldown: 'Cooling down',
  account_suspended: 'Suspended',
  scheduled: 'Scheduled',
};

const REASON_HINT: Record<WaitingReason, string> = {
  account_busy: 'another task of the account runs or is ahead (one at a time)',
  account_cooldown: 'the account cools down after a rate limit or by hand',
  account_suspended: 'nothing starts until the account is resumed',
  scheduled: 'its runAfter has not come yet',
};

/** What to say when there is no estimate (as the account page's waiting list says it). */
function noEta(t: Task): string {
  if (t.waitingReason === 'account_suspended') return 'after a resume';
  if (t.waitingReason === 'scheduled' && t.runAfter) return `not before ${time(t.runAfter)}`;
  return 'not known yet';
}

const isReason = (v: string | null): v is WaitingReason => v !== null && (WAITING_REASONS as readonly string[]).includes(v);

export function WaitingAcross({ reason: given }: { reason: string | null }) {
  const reason = isReason(given) ? given : null;
  return (
    <section aria-labelledby="waiting-across-h" data-testid="waiting-view">
      <h2 id="waiting-across-h">Waiting across accounts</h2>
      <ReasonFilter reason={reason} />
      <WaitingRows key={reason ?? 'all'} reason={reason} />
    </section>
  );
}

function ReasonFilter({ reason }: { reason: WaitingReason | null }) {
  const go = (r: WaitingReason | null) => navigate(href(['tasks'], { view: 'waiting', reason: r }));
  return (
    <div class="filters" role="group" aria-label="Filter by why tasks wait">
      <button type="button" class={reason === null ? 'primary small' : 'small'} aria-pressed={reason === null} onClick={() => go(null)} data-testid="reason-all">
        Any reason
      </button>
      {WAITING_REASONS.map((r) => (
        <button
          type="button"
          class={reason === r ? 'primary small' : 'small'}
          aria-pressed={reason === r}
          title={REASON_HINT[r]}
          onClick={() => go(r)}
          data-testid={`reason-${r}`}
        >
          {REASON_LABEL[r]}
        </button>
      ))}
    </div>
  );
}

function WaitingRows({ reason }: { reason: WaitingReason | null }) {
  const pages = useCursorPages();
  const query = compact({ status: 'queued' as const, order: 'oldest' as const, waitingReason: reason ?? ('' as const), limit: 50, cursor: pages.cursor });
  const list = useLoad(() => ok(api.GET('/api/tasks', { params: { query } })), [pages.cursor]);
  const refresh = useThrottle(list.reload, 1000);
  // Any account change may move a waiting task (a start, a cooldown, a resume): the first page follows.
  useAccountFeed(() => {
    if (pages.page === 0) refresh();
  });
  const now = useNow(1000);
  const items = list.data?.items ?? [];
  return (
    <>
      <ErrorNote error={list.error} />
      {list.data === undefined && list.loading ? <Loading what="waiting tasks" /> : null}
      {list.data && items.length === 0 ? (
        <p class="note" data-testid="waiting-view-empty">
          {reason ? `No task waits because: ${REASON_HINT[reason]}${list.data.nextCursor ? ' on this page; there are more to look through.' : '.'}` : 'Nothing waits.'}
        </p>
      ) : null}
      {items.length ? (
        <div class="table-wrap">
          <table class="stack" data-testid="waiting-view-table">
            <caption class="sr-only">Waiting tasks across accounts, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Account</th>
                <th scope="col">Why it waits</th>
                <th scope="col">Position</th>
                <th scope="col">Queued</th>
                <th scope="col">Expected start</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.taskId} data-testid="waiting-view-row" data-task-id={t.taskId} data-reason={t.waitingReason ?? ''}>
                  <td data-label="Task">
                    <a href={taskHref(t.taskId)} title={t.taskId}>
                      {shortId(t.taskId)}
                    </a>{' '}
                    <span class="muted">{t.type}</span>
                  </td>
                  <td data-label="Account">
                    <a href={accountHref(t.accountId)}>{t.accountId}</a>
                  </td>
                  <td data-label="Why it waits" data-testid="waiting-view-reason" title={t.waitingReason ? REASON_HINT[t.waitingReason] : undefined}>
                    {t.waitingReason ? REASON_LABEL[t.waitingReason] : '—'}
                  </td>
                  <td data-label="Position" data-testid="waiting-view-position">
                    {t.position === 0 ? 'next' : t.position}
                  </td>
                  <td data-label="Queued">
                    <Time iso={t.createdAt} />
                  </td>
                  <td data-label="Expected start" data-testid="waiting-view-eta">
                    {t.eta ? <span title={t.eta}>{relative(t.eta, now)}</span> : <span class="muted">{noEta(t)}</span>}
                  </td>
                  <td data-label="">
                    <CancelButton key={t.taskId} taskId={t.taskId} onDone={refresh} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p class="muted small-print">{pages.page === 0 ? 'The first page updates as accounts change. Expected starts come from each account’s recent task durations.' : ''}</p>
      <Pager label="Waiting tasks" page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrev={pages.prev} onNext={() => pages.next(list.data?.nextCursor ?? null)} />
    </>
  );
}
