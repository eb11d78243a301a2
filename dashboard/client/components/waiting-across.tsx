/** @jsxImportSource hono/jsx/dom */
/**
 * Every task that waits, across accounts, oldest first: why it waits, its place in its account's queue and
 * when it should start, filtered by reason. It answers "what waits on account availability, and until
 * when". The figures come with the list (`GET /api/tasks?status=queued&order=oldest`), one rule for all.
 */
import { api, compact, ok } from '../api';
import { useCursorPages } from '../cursor-pages';
import { noEta } from '../explain';
import { relative } from '../format';
import { useAccountFeed, useLoad, useNow, useThrottle } from '../hooks';
import { href, navigate } from '../router';
import { WAITING_REASONS, type Task, type WaitingReason } from '../types';
import { CancelButton } from './cancel-button';
import { ErrorNote, Loading, Pager, Time } from './common';
import { AccountLink, TaskLink } from './links';
import { Table, type Column } from './table';

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

function columns(onChange: () => void, now: number): Column<Task>[] {
  return [
    {
      header: 'Task',
      cell: (t) => (
        <>
          <TaskLink taskId={t.taskId} /> <span class="muted">{t.type}</span>
        </>
      ),
    },
    { header: 'Account', cell: (t) => <AccountLink accountId={t.accountId} /> },
    {
      header: 'Why it waits',
      testid: 'waiting-view-reason',
      title: (t) => (t.waitingReason ? REASON_HINT[t.waitingReason] : undefined),
      cell: (t) => (t.waitingReason ? REASON_LABEL[t.waitingReason] : '—'),
    },
    { header: 'Position', testid: 'waiting-view-position', cell: (t) => (t.position === 0 ? 'next' : t.position) },
    { header: 'Queued', cell: (t) => <Time iso={t.createdAt} /> },
    {
      header: 'Expected start',
      testid: 'waiting-view-eta',
      cell: (t) => (t.eta ? <span title={t.eta}>{relative(t.eta, now)}</span> : <span class="muted">{noEta(t)}</span>),
    },
    { header: 'Actions', actions: true, cell: (t) => <CancelButton key={t.taskId} taskId={t.taskId} onDone={onChange} /> },
  ];
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
      <Table
        columns={columns(refresh, now)}
        rows={items}
        caption="Waiting tasks across accounts, oldest first"
        testid="waiting-view-table"
        rowTestid="waiting-view-row"
        rowKey={(t) => t.taskId}
        row={(t) => ({ 'data-task-id': t.taskId, 'data-reason': t.waitingReason ?? '' })}
        empty={
          list.data ? (
            <p class="note" data-testid="waiting-view-empty">
              {reason ? `No task waits because: ${REASON_HINT[reason]}${list.data.nextCursor ? ' on this page; there are more to look through.' : '.'}` : 'Nothing waits.'}
            </p>
          ) : null
        }
      />
      <p class="muted small-print">{pages.page === 0 ? 'The first page updates as accounts change. Expected starts come from each account’s recent task durations.' : ''}</p>
      <Pager label="Waiting tasks" page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrev={pages.prev} onNext={() => pages.next(list.data?.nextCursor ?? null)} />
    </>
  );
}
