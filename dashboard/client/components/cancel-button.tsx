/** @jsxImportSource hono/jsx/dom */
/** Cancels a queued task (it leaves the queue) or a running one (its activity is stopped). */
import { useState } from 'hono/jsx/dom';
import { api, ok } from '../api';
import { shortId } from '../format';
import { useAlive } from '../hooks';

export function CancelButton({ taskId, onDone }: { taskId: string; onDone?: () => void }) {
  const [state, setState] = useState<'idle' | 'busy' | 'done' | 'error'>('idle');
  const [message, setMessage] = useState('');
  const alive = useAlive();
  const cancel = async () => {
    setState('busy');
    try {
      await ok(api.POST('/api/tasks/{taskId}/cancel', { params: { path: { taskId } } }));
      if (!alive()) return;
      setState('done');
      setMessage('Cancel requested');
      onDone?.();
    } catch (err) {
      if (!alive()) return;
      setState('error');
      setMessage((err as Error).message);
    }
  };
  if (state === 'done' || state === 'error') {
    return (
      <span class={state === 'error' ? 'field-error' : 'muted'} role="status" data-testid="cancel-result">
        {message}
      </span>
    );
  }
  return (
    <button type="button" class="small" disabled={state === 'busy'} onClick={() => void cancel()} aria-label={`Cancel task ${shortId(taskId)}`} data-testid="cancel-task">
      Cancel
    </button>
  );
}
