/** @jsxImportSource hono/jsx/dom */
/**
 * A button's one request: busy while it runs, then its answer in words in place of the button (what was
 * done, or why it was refused), which a screen reader announces. The cancel and release buttons use it.
 */
import { useState } from 'hono/jsx/dom';
import { useAlive } from '../hooks';

export type ActionState = 'idle' | 'busy' | 'done' | 'error';

export function useAction() {
  const [state, setState] = useState<ActionState>('idle');
  const [message, setMessage] = useState('');
  const alive = useAlive();
  /** Sends; on success shows `done` and calls `after` (the list reloads), on failure shows the error. */
  const run = async (send: () => Promise<unknown>, done: string, after?: () => void) => {
    setState('busy');
    try {
      await send();
      if (!alive()) return;
      setState('done');
      setMessage(done);
      after?.();
    } catch (err) {
      if (!alive()) return;
      setState('error');
      setMessage((err as Error).message);
    }
  };
  return { state, message, run };
}

export function ActionResult({ state, message, testid }: { state: ActionState; message: string; testid: string }) {
  return (
    <span class={state === 'error' ? 'field-error' : 'muted'} role="status" data-testid={testid}>
      {message}
    </span>
  );
}
