/** @jsxImportSource hono/jsx/dom */
/** The account's queue: position, type, why it waits (in words) and when it should start. */
import { explainWaiting, noEta } from '../explain';
import { relative } from '../format';
import type { Account, WaitingTask } from '../types';
import { CancelButton } from './cancel-button';
import { Time } from './common';
import { TaskLink } from './links';
import { Table, type Column } from './table';

interface Props {
  account: Account;
  /** The workflow's own list, or one rebuilt from the ledger when the workflow did not answer. */
  waiting: WaitingTask[];
  source: 'workflow' | 'ledger';
  onChange(): void;
  now: number;
}

function columns(account: Account, onChange: () => void, now: number): Column<WaitingTask>[] {
  return [
    { header: '#', label: 'Position', testid: 'waiting-position', cell: (w) => w.position },
    {
      header: 'Task',
      cell: (w) => (
        <>
          <TaskLink taskId={w.taskId} /> <span class="muted">{w.type}</span>
          {w.priority ? <span class="muted"> · priority {w.priority}</span> : null}
        </>
      ),
    },
    { header: 'Why it waits', testid: 'waiting-reason', cell: (w) => explainWaiting(w, account) },
    { header: 'Queued', cell: (w) => <Time iso={w.enqueuedAt} /> },
    {
      header: 'Expected start',
      testid: 'waiting-eta',
      cell: (w) => (w.eta ? <span title={w.eta}>{relative(w.eta, now)}</span> : <span class="muted">{noEta(w)}</span>),
    },
    { header: 'Actions', actions: true, cell: (w) => <CancelButton taskId={w.taskId} onDone={onChange} /> },
  ];
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
      <Table
        columns={columns(account, onChange, now)}
        rows={waiting}
        testid="waiting-table"
        rowTestid="waiting-row"
        rowKey={(w) => w.taskId}
        row={(w) => ({ 'data-task-id': w.taskId, 'data-reason': w.waitingReason })}
        empty={
          <p class="muted" data-testid="waiting-empty">
            Nothing waits.
          </p>
        }
      />
    </section>
  );
}
