/** @jsxImportSource hono/jsx/dom */
/**
 * The time left in a cooldown; "ending…" from zero until the account's next change arrives. It keeps no
 * clock of its own: the page passes `now` (see useNow), because hono/jsx/dom can leave behind a child that
 * re-renders itself while its parent removes it.
 */
import { countdown } from '../format';

export function Countdown({ until, now, label = 'Cooldown ends in' }: { until: string; now: number; label?: string }) {
  const end = Date.parse(until);
  const left = end - now;
  return (
    <span class="countdown" data-testid="cooldown-countdown" data-ended={left <= 0 ? 'true' : 'false'} title={new Date(end).toLocaleString()}>
      <span class="sr-only">{label} </span>
      {left > 0 ? `${countdown(left)} left` : 'ending…'}
    </span>
  );
}
