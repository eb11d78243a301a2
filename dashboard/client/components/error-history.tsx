/** @jsxImportSource hono/jsx/dom */
/** The account's error state: counters, the circuit breaker and its history, the last errors. */
import { useState } from 'hono/jsx/dom';
import { shortId } from '../format';
import { taskHref } from '../router';
import type { AccountHealth } from '../types';
import { Time } from './common';

const SHOWN = 10;

export function ErrorHistory({ health }: { health: AccountHealth }) {
  const [all, setAll] = useState(false);
  const errors = all ? health.errors : health.errors.slice(0, SHOWN);
  const history = [...(health.breakerHistory ?? [])].reverse();
  return (
    <section aria-labelledby="errors-h" class="card">
      <h2 id="errors-h">Errors and breaker</h2>
      <dl class="facts">
        <div>
          <dt>Circuit breaker</dt>
          <dd>
            <span class={`badge breaker-${health.breaker ?? 'closed'}`} data-testid="breaker" data-breaker={health.breaker ?? 'closed'}>
              {(health.breaker ?? 'closed').replace('_', ' ')}
            </span>
          </dd>
        </div>
        <div>
          <dt>Consecutive rate limits</dt>
          <dd data-testid="consecutive-rate-limits">{health.consecutiveRateLimits}</dd>
        </div>
        <div>
          <dt>Consecutive failures</dt>
          <dd>{health.consecutiveFailures ?? 0}</dd>
        </div>
      </dl>
      {history.length ? (
        <details>
          <summary>Breaker history ({history.length})</summary>
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Change</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h) => (
                  <tr>
                    <td data-label="When">
                      <Time iso={h.at} />
                    </td>
                    <td data-label="Change">
                      {h.from} → {h.to}
                    </td>
                    <td data-label="Why">{h.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
      <h3>Last errors</h3>
      {errors.length === 0 ? (
        <p class="muted" data-testid="errors-empty">
          No errors recorded.
        </p>
      ) : (
        <div class="table-wrap">
          <table class="stack" data-testid="error-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
                <th scope="col">Task</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((e) => (
                <tr data-testid="error-row" data-kind={e.kind}>
                  <td data-label="When">
                    <Time iso={e.at} />
                  </td>
                  <td data-label="Kind">{e.kind.replace('_', ' ')}</td>
                  <td data-label="Code">
                    <code>{e.code}</code>
                  </td>
                  <td data-label="Message">{e.message}</td>
                  <td data-label="Task">
                    <a href={taskHref(e.taskId)} title={e.taskId}>
                      {shortId(e.taskId)}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {health.errors.length > SHOWN ? (
        <button type="button" class="link" onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${health.errors.length}`}
        </button>
      ) : null}
    </section>
  );
}
