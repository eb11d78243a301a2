/** @jsxImportSource hono/jsx/dom */
/** Cancels a queued task (it leaves the queue) or a running one (its activity is stopped). */
import { api, ok } from '../api';
import { shortId } from '../format';
import { ActionResult, useAction } from './action-button';

export function CancelButton({ taskId, onDone }: { taskId: string; onDone?: () => void }) {
  const { state, message, run } = useAction();
  if (state === 'done' || state === 'error') return <ActionResult state={state} message={message} testid="cancel-result" />;
  const cancel = () => run(() => ok(api.POST('/api/tasks/{taskId}/cancel', { params: { path: { taskId } } })), 'Cancel requested', onDone);
  return (
    <button type="button" class="small" disabled={state === 'busy'} onClick={() => void cancel()} aria-label={`Cancel task ${shortId(taskId)}`} data-testid="cancel-task">
      Cancel
    </button>
  );
}
