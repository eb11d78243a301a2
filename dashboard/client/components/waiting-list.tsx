/** @jsxImportSource hono/jsx/dom */
/** The account's queue: position, type, why it waits (in words) and when it should start. */
import { explainWaiting } from '../explain';
import { relative, shortId, time } from '../format';
import { taskHref } from '../router';
import type { Account, WaitingTask } from '../types';
import { CancelButton } from './cancel-button';
import { Time } from './common';

/** What to say when the workflow gave no estimate. */
function noEta(w: WaitingTask): string {
  if (w.waitingReason === 'account_suspended') return 'after a resume';
  if (w.waitingReason === 'scheduled' && w.runAfter) return `not before ${time(w.runAfter)}`;
  return 'not known yet';
}

interface Props {
  account: Account;
  /** The workflow's own list, or one rebuilt from the ledger when the workflow did not answer. */
  waiting: WaitingTask[];
  source: 'workflow' | 'ledger';
  onChange(): void;
  now: number;
}

export function WaitingList({ account, waiting, source, onChange, now }: Props) {
  return (
    <section aria-labelledby="waiting-h" class="card" data-testid="waiting" data-source={source}>
      <h2 id="waiting-h">
        Waiting <span class="count" data-testid="waiting-count">{waiting.length}</span>
      </h2>
      {source === 'ledger' ? (
        <p class="note" data-testid="waiting-from-ledger">
          The account’s workflow did not answer in time (no worker, or a busy one), so this list comes from the ledger: same order and reasons,
          no expected start. It refreshes with the next change.
        </p>
      ) : null}
      {waiting.length === 0 ? (
        <p class="muted" data-testid="waiting-empty">
          Nothing waits.
        </p>
      ) : (
        <div class="table-wrap">
          <table class="stack" data-testid="waiting-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Task</th>
                <th scope="col">Why it waits</th>
                <th scope="col">Queued</th>
                <th scope="col">Expected start</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {waiting.map((w) => (
                <tr key={w.taskId} data-testid="waiting-row" data-task-id={w.taskId} data-reason={w.waitingReason}>
                  <td data-label="Position" data-testid="waiting-position">{w.position}</td>
                  <td data-label="Task">
                    <a href={taskHref(w.taskId)} title={w.taskId}>
                      {shortId(w.taskId)}
                    </a>{' '}
                    <span class="muted">{w.type}</span>
                    {w.priority ? <span class="muted"> · priority {w.priority}</span> : null}
                  </td>
                  <td data-label="Why it waits" data-testid="waiting-reason">{explainWaiting(w, account)}</td>
                  <td data-label="Queued">
                    <Time iso={w.enqueuedAt} />
                  </td>
                  <td data-label="Expected start" data-testid="waiting-eta">
                    {w.eta ? <span title={w.eta}>{relative(w.eta, now)}</span> : <span class="muted">{noEta(w)}</span>}
                  </td>
                  <td data-label="">
                    <CancelButton taskId={w.taskId} onDone={onChange} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
