/** @jsxImportSource hono/jsx/dom */
/**
 * Tasks, newest first, filtered by account, status and type; or the Waiting view: every queued task across
 * accounts, oldest first, with why it waits and when it should start. The first page follows the live feed.
 */
import { useState } from 'hono/jsx/dom';
import { api, compact, ok } from '../api';
import { ErrorNote, Loading, Pager } from '../components/common';
import { Field } from '../components/field';
import { TaskTable } from '../components/task-table';
import { WaitingAcross } from '../components/waiting-across';
import { useCursorPages } from '../cursor-pages';
import { useAccountFeed, useLoad, useNow, useThrottle } from '../hooks';
import { pageMeta } from '../meta';
import { href, navigate, type Route } from '../router';
import { TASK_STATUSES, type TaskStatus } from '../types';

interface Filters {
  accountId: string;
  status: string;
  type: string;
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

function ViewTabs({ waiting }: { waiting: boolean }) {
  return (
    <nav class="tabs" aria-label="Task views">
      <a href={href(['tasks'])} aria-current={waiting ? undefined : 'page'} data-testid="view-all">
        All tasks
      </a>
      <a href={href(['tasks'], { view: 'waiting' })} aria-current={waiting ? 'page' : undefined} data-testid="view-waiting">
        Waiting
      </a>
    </nav>
  );
}

export function TasksPage({ route }: { route: Route }) {
  if (route.query.get('view') === 'waiting') {
    return (
      <section aria-labelledby="tasks-h">
        <h1 id="tasks-h" tabindex={-1}>
          Tasks
        </h1>
        <ViewTabs waiting />
        <WaitingAcross reason={route.query.get('reason')} />
      </section>
    );
  }
  const filters: Filters = {
    accountId: route.query.get('accountId') ?? '',
    status: route.query.get('status') ?? '',
    type: route.query.get('type') ?? '',
  };
  const key = `${filters.accountId}|${filters.status}|${filters.type}`;
  return (
    <section aria-labelledby="tasks-h">
      <h1 id="tasks-h" tabindex={-1}>
        Tasks
      </h1>
      <ViewTabs waiting={false} />
      <TaskFilters key={key} initial={filters} />
      <TaskResults key={key} filters={filters} />
    </section>
  );
}

function TaskFilters({ initial }: { initial: Filters }) {
  const [f, setF] = useState(initial);
  const types = pageMeta().taskTypes;
  return (
    <form
      class="filters"
      aria-label="Filter tasks"
      onSubmit={(e: Event) => {
        e.preventDefault();
        navigate(href(['tasks'], { accountId: f.accountId.trim(), status: f.status, type: f.type.trim() }));
      }}
    >
      <Field id="filter-account" label="Account">
        {(aria) => <input {...aria} value={f.accountId} onInput={(e: InputEvent) => setF({ ...f, accountId: value(e) })} data-testid="filter-account" />}
      </Field>
      <Field id="filter-status" label="Status">
        {(aria) => (
          <select {...aria} value={f.status} onChange={(e: Event) => setF({ ...f, status: value(e) })} data-testid="filter-status">
            <option value="">Any</option>
            {TASK_STATUSES.map((s) => (
              <option value={s} selected={s === f.status}>
                {s}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="filter-type" label="Type">
        {(aria) => (
          <>
            <input {...aria} list="filter-types" value={f.type} onInput={(e: InputEvent) => setF({ ...f, type: value(e) })} data-testid="filter-type" />
            <datalist id="filter-types">
              {types.map((t) => (
                <option value={t.type} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" data-testid="apply-filters">
          Apply
        </button>
        <a href="#/tasks">Clear</a>
      </div>
    </form>
  );
}

function TaskResults({ filters }: { filters: Filters }) {
  const pages = useCursorPages();
  // The status comes from the page's own menu (TASK_STATUSES) or a link to it; the API refuses anything else.
  const query = compact({ ...filters, status: filters.status as TaskStatus | '', limit: 50, cursor: pages.cursor });
  const list = useLoad(() => ok(api.GET('/api/tasks', { params: { query } })), [pages.cursor]);
  const refresh = useThrottle(list.reload, 1000);
  useAccountFeed((batch, resync) => {
    if (pages.page === 0 && (resync || !filters.accountId || batch.some((a) => a.accountId === filters.accountId))) refresh();
  });
  const now = useNow(1000, Boolean(list.data?.items.some((t) => t.status === 'running')));
  return (
    <>
      <ErrorNote error={list.error} />
      {list.data === undefined && list.loading ? <Loading what="tasks" /> : null}
      {list.data && list.data.items.length === 0 ? (
        <p class="note" data-testid="tasks-empty">
          No task matches.
        </p>
      ) : null}
      {list.data?.items.length ? <TaskTable tasks={list.data.items} showAccount onChange={refresh} caption="Tasks, newest first" now={now} /> : null}
      <p class="muted small-print">{pages.page === 0 ? 'The first page updates as tasks change.' : ''}</p>
      <Pager label="Tasks" page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrev={pages.prev} onNext={() => pages.next(list.data?.nextCursor ?? null)} />
    </>
  );
}
