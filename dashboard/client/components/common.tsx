/** @jsxImportSource hono/jsx/dom */
/** Small pieces every page uses: error notes, paging, times, JSON. (Form fields: field.tsx; tables: table.tsx.) */
import { ApiFailure } from '../api';
import { time } from '../format';

export function ErrorNote({ error, testid = 'error' }: { error: Error | null | undefined; testid?: string }) {
  if (!error) return null;
  const code = error instanceof ApiFailure ? error.code : null;
  return (
    <p class="note note-error" role="alert" data-testid={testid} data-code={code ?? ''}>
      {error.message}
      {code && code !== 'network' ? <span class="code"> ({code})</span> : null}
    </p>
  );
}

/** Cursor paging: a stack of the cursors that led here, so "Previous" works without offsets. */
export function Pager(props: { page: number; hasNext: boolean; onPrev(): void; onNext(): void; label: string }) {
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" onClick={props.onPrev} disabled={props.page === 0} data-testid="page-prev">
        ← Previous
      </button>
      <span>Page {props.page + 1}</span>
      <button type="button" onClick={props.onNext} disabled={!props.hasNext} data-testid="page-next">
        Next →
      </button>
    </nav>
  );
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>—</span>;
  return (
    <time datetime={iso} title={iso}>
      {time(iso)}
    </time>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="note" role="status">
      Loading {what}…
    </p>
  );
}
