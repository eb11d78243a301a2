/** @jsxImportSource hono/jsx/dom */
/** Tasks as a table: status, attempts, when, how long and how it ended. Used by the account and task lists. */
import { compactJson, duration, shortId, taskDuration } from '../format';
import { accountHref, taskHref } from '../router';
import { LIVE_STATUSES, type Task } from '../types';
import { StatusBadge } from './badges';
import { CancelButton } from './cancel-button';
import { Time } from './common';

export function outcomeText(t: Task): string {
  if (t.error) return `${t.error.code}: ${t.error.message}`;
  if (t.duplicateOf) return `duplicate of ${shortId(t.duplicateOf)}`;
  if (t.result !== undefined) return compactJson(t.result, 80);
  if (t.status === 'queued' && t.waitingReason) return `waiting (${t.waitingReason.replace('_', ' ')})`;
  return '';
}

export function TaskTable(props: { tasks: Task[]; showAccount: boolean; onChange(): void; caption: string; now: number }) {
  const { tasks, showAccount, onChange, caption, now } = props;
  return (
    <div class="table-wrap">
      <table class="stack" data-testid="task-table">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            {showAccount ? <th scope="col">Account</th> : null}
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
            <th scope="col">Outcome</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => {
            const d = taskDuration(t, now);
            return (
              <tr key={t.taskId} data-testid="task-row" data-task-id={t.taskId} data-status={t.status}>
                <td data-label="Task">
                  <a href={taskHref(t.taskId)} title={t.taskId}>
                    {shortId(t.taskId)}
                  </a>
                </td>
                {showAccount ? (
                  <td data-label="Account">
                    <a href={accountHref(t.accountId)}>{t.accountId}</a>
                  </td>
                ) : null}
                <td data-label="Type">{t.type}</td>
                <td data-label="Status">
                  <StatusBadge status={t.status} testid="task-row-status" />
                </td>
                <td data-label="Attempts">{t.attempts}</td>
                <td data-label="Created">
                  <Time iso={t.createdAt} />
                </td>
                <td data-label="Duration">{d === null ? '—' : duration(d)}</td>
                <td data-label="Outcome" class="outcome">{outcomeText(t)}</td>
                <td data-label="">{LIVE_STATUSES.includes(t.status) ? <CancelButton key={t.taskId} taskId={t.taskId} onDone={onChange} /> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
