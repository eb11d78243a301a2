/** @jsxImportSource hono/jsx/dom */
/**
 * Overview: figures, the last hour as pictures (tasks finished by outcome, queued tasks), and every
 * account in a grid (filtered, paged, updated live from /api/events).
 */
import { useState } from 'hono/jsx/dom';
import { api, ApiFailure, compact, ok } from '../api';
import { AccountCard } from '../components/account-card';
import { ActivityCharts } from '../components/charts/activity-charts';
import { ErrorNote, Loading, Pager } from '../components/common';
import { Field } from '../components/field';
import { Counts } from '../components/counts';
import { useCursorPages } from '../cursor-pages';
import { STATE_LABEL } from '../format';
import { useAccountFeed, useAlive, useLoad, useNow, useThrottle } from '../hooks';
import { accountHref, href, navigate, type Route } from '../router';
import { ACCOUNT_STATES, type Account, type AccountStateName } from '../types';

const PAGE_SIZES = [50, 100, 200, 500];
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

export function OverviewPage({ route }: { route: Route }) {
  const state = route.query.get('state') ?? '';
  const limit = Number(route.query.get('limit')) || 100;
  return (
    <section aria-labelledby="overview-h">
      <h1 id="overview-h" tabindex={-1}>
        Overview
      </h1>
      <Counts />
      <ActivityCharts />
      <AccountGrid key={`${state}:${limit}`} state={state} limit={limit} />
    </section>
  );
}

function FindAccount() {
  const [id, setId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const alive = useAlive();
  const go = async (e: Event) => {
    e.preventDefault();
    const wanted = id.trim();
    if (!ID_PATTERN.test(wanted)) return setError('Account ids are letters, digits and . _ : @ - (up to 128).');
    try {
      await ok(api.GET('/api/account-execution-states/{accountId}', { params: { path: { accountId: wanted } } }));
      navigate(accountHref(wanted));
    } catch (err) {
      if (!alive()) return;
      setError(err instanceof ApiFailure && err.status === 404 ? `No account “${wanted}” is tracked yet.` : (err as Error).message);
    }
  };
  return (
    <form class="inline-form" role="search" onSubmit={go} aria-label="Find an account">
      <Field
        id="find-account"
        label="Account id"
        error={
          error ? (
            <>
              {error} {ID_PATTERN.test(id.trim()) ? <a href={accountHref(id.trim())}>Open it to submit its first task</a> : null}
            </>
          ) : undefined
        }
      >
        {(aria) => (
          <input
            {...aria}
            type="search"
            value={id}
            onInput={(e: InputEvent) => {
              setId((e.target as HTMLInputElement).value);
              setError(null);
            }}
            data-testid="find-account"
          />
        )}
      </Field>
      <button type="submit">Open</button>
    </form>
  );
}

function AccountGrid({ state, limit }: { state: string; limit: number }) {
  const pages = useCursorPages();
  const list = useLoad(
    () => ok(api.GET('/api/account-execution-states', { params: { query: compact({ state: state as AccountStateName | '', limit, cursor: pages.cursor }) } })),
    [pages.cursor],
  );
  // Changes from the feed that are newer than the page as loaded.
  const [fresh, setFresh] = useState<Map<string, Account>>(new Map());
  const reload = useThrottle(() => {
    setFresh(new Map());
    list.reload();
  }, 1000);

  const items = list.data?.items ?? [];
  const nextCursor = list.data?.nextCursor ?? null;
  useAccountFeed((batch, resync) => {
    if (resync) return reload();
    const onPage = new Set(items.map((a) => a.accountId));
    const first = items[0]?.accountId;
    const last = items[items.length - 1]?.accountId;
    let update: Map<string, Account> | null = null;
    let stale = false;
    for (const a of batch) {
      const matches = !state || a.state === state;
      if (onPage.has(a.accountId)) {
        (update ??= new Map(fresh)).set(a.accountId, a);
        if (!matches) stale = true;
      } else if (matches && (!nextCursor || (last !== undefined && a.accountId < last)) && (pages.page === 0 || (first !== undefined && a.accountId > first))) {
        stale = true; // a new account, or one that now matches the filter, belongs on this page
      }
    }
    if (update) setFresh(update);
    if (stale) reload();
  });

  const shown = items.map((a) => {
    const f = fresh.get(a.accountId);
    return f && (!a.updatedAt || !f.updatedAt || f.updatedAt >= a.updatedAt) ? f : a;
  });
  // One clock for every countdown on the page, fast only while one of them is close to its end.
  const soonest = Math.min(...shown.map((a) => (a.cooldownUntil ? Date.parse(a.cooldownUntil) : Infinity)));
  const now = useNow(soonest - Date.now() < 12_000 ? 200 : 1000, Number.isFinite(soonest));
  const setQuery = (next: { state?: string; limit?: number }) =>
    navigate(href([], { state: next.state ?? state, limit: String(next.limit ?? limit) === '100' ? undefined : String(next.limit ?? limit) }));

  return (
    <section aria-labelledby="accounts-h">
      <div class="section-head">
        <h2 id="accounts-h">Accounts</h2>
        <div class="toolbar">
          <Field id="state-filter" label="State">
            {(aria) => (
              <select {...aria} data-testid="state-filter" value={state} onChange={(e: Event) => setQuery({ state: (e.target as HTMLSelectElement).value })}>
                <option value="">All states</option>
                {ACCOUNT_STATES.map((s) => (
                  <option value={s} selected={s === state}>
                    {STATE_LABEL[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="page-size" label="Per page">
            {(aria) => (
              <select {...aria} value={String(limit)} onChange={(e: Event) => setQuery({ limit: Number((e.target as HTMLSelectElement).value) })}>
                {PAGE_SIZES.map((n) => (
                  <option value={String(n)} selected={n === limit}>
                    {n}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <FindAccount />
        </div>
      </div>
      <ErrorNote error={list.error} />
      {list.data === undefined && list.loading ? <Loading what="accounts" /> : null}
      {list.data && shown.length === 0 ? (
        <p class="note" data-testid="accounts-empty">
          {state
            ? `No account is ${STATE_LABEL[state]?.toLowerCase() ?? state} right now.`
            : 'No accounts yet. Open an account by its id above and submit its first task, or POST /api/accounts/{accountId}/tasks.'}
        </p>
      ) : null}
      <ul class="account-grid" data-testid="account-grid" aria-busy={list.loading ? 'true' : 'false'}>
        {shown.map((a) => (
          <AccountCard key={a.accountId} account={a} now={now} />
        ))}
      </ul>
      <Pager
        label="Accounts"
        page={pages.page}
        hasNext={Boolean(nextCursor)}
        onPrev={() => {
          setFresh(new Map());
          pages.prev();
        }}
        onNext={() => {
          setFresh(new Map());
          pages.next(nextCursor);
        }}
      />
    </section>
  );
}
