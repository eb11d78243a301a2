/** @jsxImportSource hono/jsx/dom */
/**
 * Dedupe keys as locks: every held key with the task that holds it, filtered by account and key, and a
 * Release button (asks first) that frees a key without cancelling its task. The first page follows the
 * live feed: a holder that finishes releases its key.
 */
import { useState } from 'hono/jsx/dom';
import { api, compact, ok } from '../api';
import { ActionResult, useAction } from '../components/action-button';
import { StatusBadge } from '../components/badges';
import { ErrorNote, Loading, Pager, Time } from '../components/common';
import { Field } from '../components/field';
import { AccountLink, TaskLink } from '../components/links';
import { Table, type Column } from '../components/table';
import { useCursorPages } from '../cursor-pages';
import { shortId } from '../format';
import { useAccountFeed, useLoad, useThrottle } from '../hooks';
import { href, navigate, type Route } from '../router';
import type { HeldDedupeKey } from '../types';

interface Filters {
  accountId: string;
  key: string;
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function DedupeKeysPage({ route }: { route: Route }) {
  const filters: Filters = { accountId: route.query.get('accountId') ?? '', key: route.query.get('key') ?? '' };
  const k = `${filters.accountId}|${filters.key}`;
  return (
    <section aria-labelledby="keys-h">
      <h1 id="keys-h" tabindex={-1}>
        Dedupe keys
      </h1>
      <p class="muted">
        A task submitted with a <code>dedupeKey</code> holds it while it is queued or running: another submission with the same key to the same
        account is refused (409). Releasing a key lets the next submission in; the holder runs on.
      </p>
      <KeyFilters key={k} initial={filters} />
      <HeldKeys key={k} filters={filters} />
    </section>
  );
}

function KeyFilters({ initial }: { initial: Filters }) {
  const [f, setF] = useState(initial);
  return (
    <form
      class="filters"
      aria-label="Filter dedupe keys"
      onSubmit={(e: Event) => {
        e.preventDefault();
        navigate(href(['dedupe-keys'], { accountId: f.accountId.trim(), key: f.key }));
      }}
    >
      <Field id="keys-account" label="Account">
        {(aria) => <input {...aria} value={f.accountId} onInput={(e: InputEvent) => setF({ ...f, accountId: value(e) })} data-testid="keys-filter-account" />}
      </Field>
      <Field id="keys-key" label="Key">
        {(aria) => <input {...aria} value={f.key} onInput={(e: InputEvent) => setF({ ...f, key: value(e) })} data-testid="keys-filter-key" />}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" data-testid="keys-apply">
          Apply
        </button>
        <a href="#/dedupe-keys">Clear</a>
      </div>
    </form>
  );
}

function columns(onChange: () => void): Column<HeldDedupeKey>[] {
  return [
    { header: 'Account', cell: (h) => <AccountLink accountId={h.accountId} /> },
    { header: 'Key', cell: (h) => <code data-testid="key-name">{h.dedupeKey}</code> },
    {
      header: 'Held by',
      cell: (h) => (
        <>
          <TaskLink taskId={h.taskId} /> <span class="muted">{h.taskType}</span>
        </>
      ),
    },
    { header: 'Status', cell: (h) => <StatusBadge status={h.taskStatus} testid="key-status" /> },
    { header: 'Held since', cell: (h) => <Time iso={h.heldSince} /> },
    { header: 'Actions', actions: true, cell: (h) => <ReleaseButton key={`${h.accountId}\n${h.dedupeKey}\n${h.taskId}`} held={h} onDone={onChange} /> },
  ];
}

function HeldKeys({ filters }: { filters: Filters }) {
  const pages = useCursorPages();
  const query = compact({ accountId: filters.accountId, key: filters.key, limit: 50, cursor: pages.cursor });
  const list = useLoad(() => ok(api.GET('/api/dedupe-keys', { params: { query } })), [pages.cursor]);
  const refresh = useThrottle(list.reload, 1000);
  useAccountFeed((batch, resync) => {
    if (pages.page === 0 && (resync || !filters.accountId || batch.some((a) => a.accountId === filters.accountId))) refresh();
  });
  const items = list.data?.items ?? [];
  return (
    <>
      <ErrorNote error={list.error} />
      {list.data === undefined && list.loading ? <Loading what="dedupe keys" /> : null}
      <Table
        columns={columns(refresh)}
        rows={items}
        caption="Held dedupe keys"
        testid="keys-table"
        rowTestid="key-row"
        rowKey={(h) => `${h.accountId}\n${h.dedupeKey}`}
        row={(h) => ({ 'data-account': h.accountId, 'data-key': h.dedupeKey, 'data-task-id': h.taskId })}
        empty={
          list.data ? (
            <p class="note" data-testid="keys-empty">
              No key is held{filters.accountId || filters.key ? ' that matches' : ''}.
            </p>
          ) : null
        }
      />
      <Pager label="Dedupe keys" page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrev={pages.prev} onNext={() => pages.next(list.data?.nextCursor ?? null)} />
    </>
  );
}

/** Release, then a confirmation that says what happens; the answer replaces the buttons. */
function ReleaseButton({ held, onDone }: { held: HeldDedupeKey; onDone(): void }) {
  const [confirming, setConfirming] = useState(false);
  const { state, message, run } = useAction();
  const release = () =>
    run(
      () => ok(api.DELETE('/api/accounts/{accountId}/dedupe-keys/{dedupeKey}', { params: { path: { accountId: held.accountId, dedupeKey: held.dedupeKey } } })),
      `Released; task ${shortId(held.taskId)} runs on`,
      onDone,
    );
  if (state === 'done' || state === 'error') return <ActionResult state={state} message={message} testid="release-result" />;
  if (confirming || state === 'busy') {
    return (
      <span class="confirm" role="group" aria-label={`Release key ${held.dedupeKey}?`} data-testid="release-confirm">
        <span>
          Release? Task {shortId(held.taskId)} keeps {held.taskStatus}; a new task with this key will be accepted.
        </span>
        <button type="button" class="small primary" disabled={state === 'busy'} onClick={() => void release()} data-testid="release-yes">
          Release key
        </button>
        <button type="button" class="small" disabled={state === 'busy'} onClick={() => setConfirming(false)} data-testid="release-no">
          Keep it
        </button>
      </span>
    );
  }
  return (
    <button type="button" class="small" onClick={() => setConfirming(true)} aria-label={`Release key ${held.dedupeKey} of ${held.accountId}`} data-testid="release-key">
      Release
    </button>
  );
}
