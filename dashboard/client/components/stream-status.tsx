/** @jsxImportSource hono/jsx/dom */
/** The header's sign of the live feed: live, connecting, or down and reconnecting. */
import { feedState } from '../live';
import { useStore } from '../store';

const TEXT = { live: 'Live', connecting: 'Connecting…', down: 'Stream down, reconnecting…', ended: 'Stream stopped' } as const;

export function StreamStatus() {
  const { state, detail } = useStore(feedState);
  return (
    <p class={`stream stream-${state}`} role="status" data-testid="stream-status" data-state={state} title={detail ?? ''}>
      <span class="dot" aria-hidden="true" />
      {TEXT[state]}
    </p>
  );
}
