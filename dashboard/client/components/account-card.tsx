/** @jsxImportSource hono/jsx/dom */
/** One account in the overview grid: its state, what runs, how many wait, and the cooldown left. */
import { shortId } from '../format';
import { accountHref } from '../router';
import type { Account } from '../types';
import { StateBadge } from './badges';
import { Countdown } from './countdown';

export function AccountCard({ account: a, now }: { account: Account; now: number }) {
  return (
    <li class={`account-card state-edge-${a.state.toLowerCase()}`} data-testid="account-card" data-account-id={a.accountId} data-state={a.state}>
      <a class="account-link" href={accountHref(a.accountId)}>
        {a.accountId}
      </a>
      <div class="account-line">
        <StateBadge state={a.state} />
        {a.state === 'COOLDOWN' && a.cooldownUntil ? <Countdown until={a.cooldownUntil} now={now} /> : null}
      </div>
      <dl class="account-facts">
        <div>
          <dt>Running</dt>
          <dd data-testid="account-running">
            {a.runningTaskId ? (
              <span title={a.runningTaskId}>
                {a.runningTaskType ?? 'task'} {shortId(a.runningTaskId)}
              </span>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd data-testid="account-queue">{a.queueLength}</dd>
        </div>
      </dl>
    </li>
  );
}
