/** @jsxImportSource hono/jsx/dom */
/** Asks for the API key when the API wants one; the key is kept for this browser session only. */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { auth, setApiKey } from '../auth';
import { useStore } from '../store';
import { Field } from './field';

export function KeyPrompt() {
  const { key, message } = useStore(auth);
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const refused = key !== null;
  return (
    <section class="key-prompt card" aria-labelledby="key-title" data-testid="key-prompt">
      <h1 id="key-title" tabindex={-1}>
        API key needed
      </h1>
      <p>This Baton API asks for a key. It stays in this browser tab only and is sent as <code>Authorization: Bearer …</code>.</p>
      {refused ? (
        <p class="note note-error" role="alert" data-testid="key-refused">
          {message ?? 'The key was refused.'}
        </p>
      ) : null}
      <form
        onSubmit={(e: Event) => {
          e.preventDefault();
          const k = value.trim();
          if (k) setApiKey(k);
        }}
      >
        <Field id="api-key" label="API key">
          {(aria) => (
            <input
              {...aria}
              ref={input}
              name="api-key"
              type="password"
              autocomplete="off"
              required
              value={value}
              onInput={(e: InputEvent) => setValue((e.target as HTMLInputElement).value)}
              data-testid="key-input"
            />
          )}
        </Field>
        <button type="submit" class="primary" data-testid="key-submit">
          Use this key
        </button>
      </form>
    </section>
  );
}
