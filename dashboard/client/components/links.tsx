/** @jsxImportSource hono/jsx/dom */
/** Links to a task (its short id, the whole id on hover) and to an account, as every list shows them. */
import { shortId } from '../format';
import { accountHref, taskHref } from '../router';

export function TaskLink({ taskId, children }: { taskId: string; children?: unknown }) {
  return (
    <a href={taskHref(taskId)} title={taskId}>
      {children ?? shortId(taskId)}
    </a>
  );
}

export function AccountLink({ accountId }: { accountId: string }) {
  return <a href={accountHref(accountId)}>{accountId}</a>;
}
