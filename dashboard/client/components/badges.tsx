/** @jsxImportSource hono/jsx/dom */
/** State and status badges: a word and a colour, so the colour is never the only sign. */
import { STATE_LABEL } from '../format';

export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge state-${state.toLowerCase()}`} data-testid="state-badge" data-state={state}>
      {STATE_LABEL[state] ?? state}
    </span>
  );
}

export function StatusBadge({ status, testid = 'task-status' }: { status: string; testid?: string }) {
  return (
    <span class={`badge status-${status}`} data-testid={testid} data-status={status}>
      {status.replace('_', ' ')}
    </span>
  );
}
