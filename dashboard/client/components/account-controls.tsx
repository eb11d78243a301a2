/** @jsxImportSource hono/jsx/dom */
/** Operator controls on one account: suspend / resume, start and end a cooldown. */
import { useState } from 'hono/jsx/dom';
import { api, ApiFailure, ok } from '../api';
import { useAlive } from '../hooks';
import type { Account } from '../types';
import { ErrorNote } from './common';
import { Field } from './field';

interface Props {
  accountId: string;
  account: Account | null;
  onDone(): void;
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function AccountControls({ accountId, account, onDone }: Props) {
  const [reason, setReason] = useState('');
  const [seconds, setSeconds] = useState('60');
  const [coolReason, setCoolReason] = useState('');
  const [secondsError, setSecondsError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const alive = useAlive();

  const params = { path: { accountId } };
  const act = async (what: string, send: () => Promise<{ response: Response; error?: unknown }>, cooldown = false) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      await ok(send());
      if (!alive()) return;
      setMessage(`${what} requested; the account applies it in a moment.`);
      onDone();
    } catch (err) {
      if (!alive()) return;
      if (err instanceof ApiFailure && err.code === 'validation_error' && cooldown) setSecondsError(err.issues[0]?.message ?? err.message);
      else setError(err as Error);
    } finally {
      if (alive()) setBusy(false);
    }
  };

  const suspended = account?.state === 'SUSPENDED';
  const cooling = Boolean(account?.cooldownUntil);
  return (
    <section aria-labelledby="controls-h" class="card controls">
      <h2 id="controls-h">Controls</h2>
      <form
        class="inline-form"
        onSubmit={(e: Event) => {
          e.preventDefault();
          void act('Suspend', () => api.POST('/api/accounts/{accountId}/suspend', { params, body: reason.trim() ? { reason: reason.trim() } : {} }));
        }}
      >
        <Field id="suspend-reason" label="Reason (optional)">
          {(aria) => <input {...aria} value={reason} maxlength={500} onInput={(e: InputEvent) => setReason(value(e))} />}
        </Field>
        <button type="submit" disabled={busy || suspended} data-testid="suspend">
          Suspend
        </button>
        <button type="button" disabled={busy || !suspended} data-testid="resume" onClick={() => void act('Resume', () => api.POST('/api/accounts/{accountId}/resume', { params }))}>
          Resume
        </button>
      </form>
      <form
        class="inline-form"
        onSubmit={(e: Event) => {
          e.preventDefault();
          const s = Number(seconds);
          if (!seconds.trim() || !Number.isFinite(s) || s <= 0) return setSecondsError('Enter a number of seconds greater than 0.');
          setSecondsError(null);
          void act('Cooldown', () => api.POST('/api/accounts/{accountId}/cooldown', { params, body: { seconds: s, ...(coolReason.trim() ? { reason: coolReason.trim() } : {}) } }), true);
        }}
      >
        <Field id="cooldown-seconds" label="Cooldown seconds" error={secondsError ?? undefined}>
          {(aria) => (
            <input {...aria} type="number" inputmode="decimal" min="0" step="any" value={seconds} onInput={(e: InputEvent) => setSeconds(value(e))} data-testid="cooldown-seconds" />
          )}
        </Field>
        <Field id="cooldown-reason" label="Reason (optional)">
          {(aria) => <input {...aria} value={coolReason} maxlength={500} onInput={(e: InputEvent) => setCoolReason(value(e))} />}
        </Field>
        <button type="submit" disabled={busy} data-testid="start-cooldown">
          Start cooldown
        </button>
        <button type="button" disabled={busy || !cooling} data-testid="end-cooldown" onClick={() => void act('End of cooldown', () => api.DELETE('/api/accounts/{accountId}/cooldown', { params }))}>
          End cooldown
        </button>
      </form>
      <ErrorNote error={error} testid="control-error" />
      <p class="note" role="status" data-testid="control-message">
        {message ?? ''}
      </p>
    </section>
  );
}
