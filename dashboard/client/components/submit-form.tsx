/** @jsxImportSource hono/jsx/dom */
/** Submits a task to the account; the server's validation errors appear at the field they are about. */
import { useState } from 'hono/jsx/dom';
import { api, ok } from '../api';
import { shortId } from '../format';
import { useAlive } from '../hooks';
import { pageMeta } from '../meta';
import { taskHref } from '../router';
import { submitProblems, type SubmitField, type SubmitProblem } from '../submit-errors';
import type { SubmitAnswer } from '../types';
import { Field } from './field';

const EXAMPLES: Record<string, unknown> = {
  sleep: { ms: 1000 },
  simulate: { ms: 1000, outcome: 'ok' },
};

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function SubmitForm({ accountId, onSubmitted }: { accountId: string; onSubmitted(): void }) {
  const types = pageMeta().taskTypes;
  const [type, setType] = useState(types.find((t) => t.type === 'simulate')?.type ?? types[0]?.type ?? '');
  const [payload, setPayload] = useState(JSON.stringify(EXAMPLES[type] ?? {}));
  const [dedupeKey, setDedupeKey] = useState('');
  const [priority, setPriority] = useState('');
  const [wait, setWait] = useState(true);
  const [problems, setProblems] = useState<SubmitProblem[]>([]);
  const [answer, setAnswer] = useState<SubmitAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  const alive = useAlive();

  const problemOf = (f: SubmitField) => problems.filter((p) => p.field === f);
  const messageOf = (f: SubmitField) => problemOf(f).map((p) => p.message).join('; ') || undefined;

  const submit = async (e: Event) => {
    e.preventDefault();
    setAnswer(null);
    let parsed: unknown = {};
    const local: SubmitProblem[] = [];
    if (payload.trim()) {
      try {
        parsed = JSON.parse(payload);
      } catch (err) {
        local.push({ field: 'payload', message: `not valid JSON: ${(err as Error).message}` });
      }
    }
    if (priority.trim() && !/^-?\d+$/.test(priority.trim())) local.push({ field: 'priority', message: 'a whole number' });
    setProblems(local);
    if (local.length) return;
    setBusy(true);
    try {
      const body = {
        type: type.trim(),
        payload: parsed,
        ...(dedupeKey.trim() ? { dedupeKey: dedupeKey.trim() } : {}),
        ...(priority.trim() ? { priority: Number(priority) } : {}),
      };
      const res = await ok(api.POST('/api/accounts/{accountId}/tasks', { params: { path: { accountId }, query: wait ? { wait: 'true' } : {} }, body }));
      if (!alive()) return;
      setAnswer(res);
      onSubmitted();
    } catch (err) {
      if (alive()) setProblems(submitProblems(err));
    } finally {
      if (alive()) setBusy(false);
    }
  };

  const typeError = messageOf('type');
  const payloadError = messageOf('payload');
  const dedupeError = messageOf('dedupeKey');
  const priorityError = messageOf('priority');
  const dupOf = problemOf('dedupeKey').find((p) => p.taskId)?.taskId;
  const description = types.find((t) => t.type === type)?.description;
  return (
    <section aria-labelledby="submit-h" class="card">
      <h2 id="submit-h">Submit a task</h2>
      <form onSubmit={submit} novalidate data-testid="submit-form">
        <div class="form-grid">
          <Field id="task-type" label="Type" hint={description} error={typeError}>
            {(aria) => (
              <>
                <input
                  {...aria}
                  list="task-types"
                  value={type}
                  required
                  autocomplete="off"
                  onInput={(e: InputEvent) => setType(value(e))}
                  onChange={(e: Event) => {
                    const t = value(e);
                    if (EXAMPLES[t] && payload === JSON.stringify(EXAMPLES[type] ?? {})) setPayload(JSON.stringify(EXAMPLES[t]));
                  }}
                  data-testid="task-type"
                />
                <datalist id="task-types">
                  {types.map((t) => (
                    <option value={t.type}>{t.description}</option>
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field
            id="task-dedupe"
            label="Dedupe key (optional)"
            hint="At most one queued or running task per key."
            error={dedupeError ? <>{dedupeError} {dupOf ? <a href={taskHref(dupOf)}>Open task {shortId(dupOf)}</a> : null}</> : undefined}
          >
            {(aria) => <input {...aria} value={dedupeKey} maxlength={256} onInput={(e: InputEvent) => setDedupeKey(value(e))} data-testid="task-dedupe" />}
          </Field>
          <Field id="task-priority" label="Priority (optional)" hint="Higher runs first; −1000 to 1000." error={priorityError}>
            {(aria) => <input {...aria} inputmode="numeric" value={priority} onInput={(e: InputEvent) => setPriority(value(e))} data-testid="task-priority" />}
          </Field>
        </div>
        <Field id="task-payload" label="Payload (JSON)" error={payloadError}>
          {(aria) => <textarea {...aria} rows={4} spellcheck={false} value={payload} onInput={(e: InputEvent) => setPayload(value(e))} data-testid="task-payload" />}
        </Field>
        <div class="check">
          <input id="task-wait" type="checkbox" checked={wait} onChange={(e: Event) => setWait((e.target as HTMLInputElement).checked)} />
          <label for="task-wait">Wait for the account to answer with the queue position</label>
        </div>
        {messageOf('form') ? (
          <p class="note note-error" role="alert" data-testid="submit-error">
            {messageOf('form')}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="submit-task">
            {busy ? 'Submitting…' : 'Submit'}
          </button>
          <p role="status" class="note" data-testid="submit-result" data-task-id={answer?.taskId ?? ''}>
            {answer ? (
              <>
                Task <a href={taskHref(answer.taskId)}>{shortId(answer.taskId)}</a> {answer.status}
                {typeof answer.position === 'number' ? ` at position ${answer.position}` : ''}.
              </>
            ) : (
              ''
            )}
          </p>
        </div>
      </form>
    </section>
  );
}
