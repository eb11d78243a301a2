/** @jsxImportSource hono/jsx/dom */
/** The interaction log: filters, paging, and CSV / JSON exports of exactly the filtered set. */
import { useState } from 'hono/jsx/dom';
import { api, compact, ok, withQuery } from '../api';
import { auth } from '../auth';
import { StatusBadge } from '../components/badges';
import { ErrorNote, Loading, Pager, Time } from '../components/common';
import { Field } from '../components/field';
import { AccountLink, TaskLink } from '../components/links';
import { Table, type Column } from '../components/table';
import { useCursorPages } from '../cursor-pages';
import { downloadWithKey } from '../download';
import { compactJson } from '../format';
import { useAccountFeed, useLoad, useThrottle } from '../hooks';
import { href, navigate, type Route } from '../router';
import { useStore } from '../store';
import { INTERACTION_STATUSES, type Interaction, type InteractionStatus } from '../types';

const FILTERS = ['accountId', 'target', 'action', 'status', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** ISO instant ↔ the local "YYYY-MM-DDTHH:mm" a datetime-local input shows. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(local: string): string {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function InteractionsPage({ route }: { route: Route }) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, route.query.get(k) ?? ''])) as Filters;
  const key = FILTERS.map((k) => filters[k]).join('|');
  return (
    <section aria-labelledby="interactions-h">
      <h1 id="interactions-h" tabindex={-1}>
        Interactions
      </h1>
      <InteractionFilters key={key} initial={filters} />
      <Exports filters={filters} />
      <InteractionResults key={key} filters={filters} />
    </section>
  );
}

function InteractionFilters({ initial }: { initial: Filters }) {
  const [f, setF] = useState(initial);
  const text = (k: 'accountId' | 'target' | 'action', label: string) => (
    <Field id={`ix-${k}`} label={label}>
      {(aria) => <input {...aria} value={f[k]} onInput={(e: InputEvent) => setF({ ...f, [k]: value(e) })} data-testid={`ix-${k}`} />}
    </Field>
  );
  return (
    <form
      class="filters"
      aria-label="Filter interactions"
      onSubmit={(e: Event) => {
        e.preventDefault();
        navigate(href(['interactions'], Object.fromEntries(FILTERS.map((k) => [k, f[k].trim()]))));
      }}
    >
      {text('accountId', 'Account')}
      {text('target', 'Target')}
      {text('action', 'Action')}
      <Field id="ix-status" label="Status">
        {(aria) => (
          <select {...aria} value={f.status} onChange={(e: Event) => setF({ ...f, status: value(e) })} data-testid="ix-status">
            <option value="">Any</option>
            {INTERACTION_STATUSES.map((s) => (
              <option value={s} selected={s === f.status}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="ix-from" label="From">
        {(aria) => <input {...aria} type="datetime-local" value={toLocalInput(f.from)} onInput={(e: InputEvent) => setF({ ...f, from: fromLocalInput(value(e)) })} />}
      </Field>
      <Field id="ix-to" label="To">
        {(aria) => <input {...aria} type="datetime-local" value={toLocalInput(f.to)} onInput={(e: InputEvent) => setF({ ...f, to: fromLocalInput(value(e)) })} />}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" data-testid="ix-apply">
          Apply
        </button>
        <a href="#/interactions">Clear</a>
      </div>
    </form>
  );
}

function Exports({ filters }: { filters: Filters }) {
  const { key } = useStore(auth);
  const [error, setError] = useState<Error | null>(null);
  const url = (format: 'csv' | 'json') => withQuery('/api/interactions/export', { format, ...filters });
  const button = (format: 'csv' | 'json', label: string) =>
    key ? (
      <button
        type="button"
        data-testid={`export-${format}`}
        onClick={() => {
          setError(null);
          downloadWithKey(url(format), `interactions.${format}`).catch(setError);
        }}
      >
        {label}
      </button>
    ) : (
      <a class="button" href={url(format)} download data-testid={`export-${format}`}>
        {label}
      </a>
    );
  return (
    <div class="exports">
      <span class="muted">Export what the filters select:</span>
      {button('csv', 'Download CSV')}
      {button('json', 'Download JSON')}
      <ErrorNote error={error} />
    </div>
  );
}

const COLUMNS: Column<Interaction>[] = [
  { header: 'When', cell: (i) => <Time iso={i.ts} /> },
  { header: 'Account', cell: (i) => <AccountLink accountId={i.accountId} /> },
  { header: 'Target', class: 'wrap', cell: (i) => i.target },
  { header: 'Action', cell: (i) => i.action },
  { header: 'Status', cell: (i) => <StatusBadge status={i.status} testid="interaction-status" /> },
  { header: 'Reason', class: 'wrap', cell: (i) => i.reason ?? '' },
  { header: 'Task', cell: (i) => (i.taskId ? <TaskLink taskId={i.taskId} /> : '—') },
  { header: 'Latency', cell: (i) => (i.latencyMs === null ? '—' : `${i.latencyMs} ms`) },
  { header: 'Metadata', class: 'wrap muted', cell: (i) => (i.metadata === null ? '' : compactJson(i.metadata, 60)) },
];

function InteractionResults({ filters }: { filters: Filters }) {
  const pages = useCursorPages();
  // The status comes from the page's own menu (INTERACTION_STATUSES) or a link to it; the API refuses anything else.
  const query = compact({ ...filters, status: filters.status as InteractionStatus | '', limit: 100, cursor: pages.cursor });
  const list = useLoad(() => ok(api.GET('/api/interactions/events', { params: { query } })), [pages.cursor]);
  const refresh = useThrottle(list.reload, 2000);
  useAccountFeed((batch, resync) => {
    if (pages.page === 0 && !filters.to && (resync || !filters.accountId || batch.some((a) => a.accountId === filters.accountId))) refresh();
  });
  const items = list.data?.items ?? [];
  return (
    <>
      <ErrorNote error={list.error} />
      {list.data === undefined && list.loading ? <Loading what="interactions" /> : null}
      <Table
        columns={COLUMNS}
        rows={items}
        caption="Interactions, newest first"
        testid="interaction-table"
        rowTestid="interaction-row"
        rowKey={(i) => String(i.id)}
        row={(i) => ({ 'data-status': i.status })}
        empty={
          list.data ? (
            <p class="note" data-testid="interactions-empty">
              No interaction matches.
            </p>
          ) : null
        }
      />
      <p class="muted small-print">{pages.page === 0 && !filters.to ? 'The first page updates as tasks finish.' : ''}</p>
      <Pager label="Interactions" page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrev={pages.prev} onNext={() => pages.next(list.data?.nextCursor ?? null)} />
    </>
  );
}
