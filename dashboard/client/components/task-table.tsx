/** @jsxImportSource hono/jsx/dom */
/** Tasks as a table: status, attempts, when, how long and how it ended. Used by the account and task lists. */
import { compactJson, duration, shortId, taskDuration } from '../format';
import { LIVE_STATUSES, type Task } from '../types';
import { StatusBadge } from './badges';
import { CancelButton } from './cancel-button';
import { Time } from './common';
import { AccountLink, TaskLink } from './links';
import { Table, type Column } from './table';

export function outcomeText(t: Task): string {
  if (t.error) return `${t.error.code}: ${t.error.message}`;
  if (t.duplicateOf) return `duplicate of ${shortId(t.duplicateOf)}`;
  if (t.result !== undefined) return compactJson(t.result, 80);
  if (t.status === 'queued' && t.waitingReason) return `waiting (${t.waitingReason.replace('_', ' ')})`;
  return '';
}

export function TaskTable(props: { tasks: Task[]; showAccount: boolean; onChange(): void; caption: string; now: number }) {
  const { tasks, showAccount, onChange, caption, now } = props;
  const columns: (Column<Task> | false)[] = [
    { header: 'Task', cell: (t) => <TaskLink taskId={t.taskId} /> },
    showAccount && { header: 'Account', cell: (t) => <AccountLink accountId={t.accountId} /> },
    { header: 'Type', cell: (t) => t.type },
    { header: 'Status', cell: (t) => <StatusBadge status={t.status} testid="task-row-status" /> },
    { header: 'Attempts', cell: (t) => t.attempts },
    { header: 'Created', cell: (t) => <Time iso={t.createdAt} /> },
    { header: 'Duration', cell: (t) => durationText(t, now) },
    { header: 'Outcome', class: 'outcome', cell: outcomeText },
    { header: 'Actions', actions: true, cell: (t) => (LIVE_STATUSES.includes(t.status) ? <CancelButton key={t.taskId} taskId={t.taskId} onDone={onChange} /> : null) },
  ];
  return (
    <Table
      columns={columns}
      rows={tasks}
      caption={caption}
      testid="task-table"
      rowTestid="task-row"
      rowKey={(t) => t.taskId}
      row={(t) => ({ 'data-task-id': t.taskId, 'data-status': t.status })}
    />
  );
}

function durationText(t: Task, now: number): string {
  const d = taskDuration(t, now);
  return d === null ? '—' : duration(d);
}
