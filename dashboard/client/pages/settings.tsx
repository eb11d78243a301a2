/** @jsxImportSource hono/jsx/dom */
/**
 * Settings: the retention periods and a run on demand, then every setting: current values, validation at
 * the field, only what changed is sent, then read back.
 */
import { useEffect, useState } from 'hono/jsx/dom';
import { api, ApiFailure, ok } from '../api';
import { ErrorNote, Loading } from '../components/common';
import { Field } from '../components/field';
import { useAlive, useLoad } from '../hooks';
import { pageMeta } from '../meta';
import { cleanupSummary, cutoffOf, days, fromText, kindOf, labelOf, toText, type FieldKind } from '../settings-form';
import type { Schemas } from '../../../client';
import type { Settings } from '../types';

/** The settings to edit: the answer's `sources` (where each value comes from) is not one. */
const editable = ({ sources: _sources, ...settings }: Schemas['Settings']): Settings => settings;

export function SettingsPage() {
  const settings = useLoad(() => ok(api.GET('/api/settings')).then(editable), []);
  return (
    <section aria-labelledby="settings-h">
      <h1 id="settings-h" tabindex={-1}>
        Settings
      </h1>
      <p class="muted">Changes apply to the next task outcome, without a restart.</p>
      <ErrorNote error={settings.error} />
      {settings.data ? <SettingsForm initial={settings.data} /> : settings.loading ? <Loading what="settings" /> : null}
    </section>
  );
}

function SettingsForm({ initial }: { initial: Settings }) {
  const [current, setCurrent] = useState(initial);
  const keys = Object.keys(current);
  const kinds = Object.fromEntries(keys.map((k) => [k, kindOf(current[k])])) as Record<string, FieldKind>;
  const textsOf = (s: Settings) => Object.fromEntries(Object.keys(s).map((k) => [k, toText(kindOf(s[k]), s[k])]));
  const [texts, setTexts] = useState<Record<string, string>>(() => textsOf(initial));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<Error | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const descriptions = pageMeta().settingDescriptions;
  const alive = useAlive();
  useEffect(() => {
    if (!saved) return;
    const id = setTimeout(() => setSaved(null), 8000);
    return () => clearTimeout(id);
  }, [saved]);

  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    setFormError(null);
    const patch: Settings = {};
    const problems: Record<string, string> = {};
    for (const k of keys) {
      const parsed = fromText(kinds[k]!, texts[k] ?? '');
      if ('error' in parsed) problems[k] = parsed.error;
      else if (JSON.stringify(parsed.value) !== JSON.stringify(current[k])) patch[k] = parsed.value;
    }
    setErrors(problems);
    if (Object.keys(problems).length) return;
    if (!Object.keys(patch).length) return setSaved('Nothing changed.');
    setBusy(true);
    try {
      // The form edits values by name; the API validates them (400 with the fields at fault).
      const next = editable(await ok(api.PUT('/api/settings', { body: patch as Schemas['SettingsPatch'] })));
      if (!alive()) return;
      setCurrent(next);
      setTexts(textsOf(next));
      setSaved(`Saved ${Object.keys(patch).map(labelOf).join(', ')} at ${new Date().toLocaleTimeString()}.`);
    } catch (err) {
      if (!alive()) return;
      if (err instanceof ApiFailure && err.issues.length) {
        const byField: Record<string, string> = {};
        for (const i of err.issues) {
          const head = i.path.split('.')[0] ?? '';
          const where = i.path.includes('.') ? `${i.path.slice(head.length + 1)}: ` : '';
          if (keys.includes(head)) byField[head] = `${byField[head] ? `${byField[head]}; ` : ''}${where}${i.message}`;
        }
        setErrors(byField);
        if (!Object.keys(byField).length) setFormError(err);
      } else setFormError(err as Error);
    } finally {
      if (alive()) setBusy(false);
    }
  };

  return (
    <>
    <RetentionPanel settings={current} />
    <form onSubmit={save} novalidate class="card settings" data-testid="settings-form">
      {keys.map((k) => {
        const id = `setting-${k}`;
        const kind = kinds[k]!;
        const error = errors[k];
        const common = {
          name: k,
          value: texts[k] ?? '',
          'data-testid': id,
          onInput: (ev: InputEvent) => setTexts({ ...texts, [k]: (ev.target as HTMLInputElement).value }),
        };
        const hint = descriptions[k] ? `${descriptions[k]}${kind === 'numbers' ? ' (comma-separated)' : ''}` : undefined;
        return (
          <Field id={id} label={labelOf(k)} hint={hint} error={error}>
            {(aria) =>
              kind === 'json' ? (
                <textarea {...aria} {...common} rows={Math.min(12, (texts[k] ?? '').split('\n').length + 1)} spellcheck={false} />
              ) : (
                <input {...aria} {...common} inputmode="decimal" />
              )
            }
          </Field>
        );
      })}
      <ErrorNote error={formError} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy} data-testid="save-settings">
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          onClick={() => {
            setTexts(textsOf(current));
            setErrors({});
          }}
        >
          Undo changes
        </button>
        <p role="status" class="note note-ok" data-testid="settings-saved">
          {saved ?? ''}
        </p>
      </div>
    </form>
    </>
  );
}

/** Both retention periods as they apply now, and the task ledger's cleanup on demand (with a confirmation). */
function RetentionPanel({ settings }: { settings: Settings }) {
  const [state, setState] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const alive = useAlive();
  const taskDays = Number(settings.taskRetentionDays);
  const run = async () => {
    setState('busy');
    setError(null);
    setResult(null);
    try {
      const answer = await ok(api.POST('/api/tasks/cleanup', { params: { query: { maxSeconds: 30 } } }));
      if (alive()) setResult(cleanupSummary(answer));
    } catch (err) {
      if (alive()) setError(err as Error);
    } finally {
      if (alive()) setState('idle');
    }
  };
  return (
    <section class="card" aria-labelledby="retention-h" data-testid="retention">
      <h2 id="retention-h">Retention</h2>
      <p>
        Finished tasks, their events and accounts idle without a task are kept{' '}
        <strong data-testid="retention-task-days">{days(settings.taskRetentionDays)}</strong> (task retention days); interaction
        events <strong data-testid="retention-event-days">{days(settings.eventRetentionDays)}</strong> (event retention days). A
        daily schedule deletes what is older; queued and running tasks are never deleted. Change the periods below.
      </p>
      <div class="actions">
        {state === 'idle' ? (
          <button type="button" onClick={() => setState('confirm')} data-testid="run-cleanup">
            Delete what is due now
          </button>
        ) : (
          <span class="confirm" role="group" aria-label="Delete finished tasks now?" data-testid="cleanup-confirm">
            <span>Delete tasks that finished before {cutoffOf(taskDays, Date.now()).toLocaleString()}, with their events?</span>
            <button type="button" class="small primary" disabled={state === 'busy'} onClick={() => void run()} data-testid="cleanup-yes">
              {state === 'busy' ? 'Deleting…' : 'Delete'}
            </button>
            <button type="button" class="small" disabled={state === 'busy'} onClick={() => setState('idle')} data-testid="cleanup-no">
              Keep them
            </button>
          </span>
        )}
        <p role="status" class="note note-ok" data-testid="cleanup-result">
          {result ?? ''}
        </p>
      </div>
      <ErrorNote error={error} />
    </section>
  );
}
