/** @jsxImportSource hono/jsx/dom */
/**
 * One form field: its label, its control, a hint and an error under it. The field owns the ids, so the
 * label's `for`, the control's `aria-describedby` (hint, then error) and `aria-invalid` always agree.
 * The control comes as a function of those attributes, which it spreads onto the input, select or textarea.
 */
import type { Child } from 'hono/jsx/dom';

/** What the control must carry for the label, the hint and the error to belong to it. */
export interface ControlAria {
  id: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

interface Props {
  id: string;
  label: Child;
  /** A line under the control that says what it takes. */
  hint?: Child;
  /** What is wrong with the value; the field is marked invalid while there is one. */
  error?: Child;
  /** A data-testid for the error line; `${id}-error` unless given. */
  errorTestid?: string;
  children: (aria: ControlAria) => Child;
}

const present = (c: Child): boolean => c !== undefined && c !== null && c !== false && c !== '';

export function Field({ id, label, hint, error, errorTestid, children }: Props) {
  const hasHint = present(hint);
  const hasError = present(error);
  const described = [hasHint ? `${id}-hint` : '', hasError ? `${id}-error` : ''].filter(Boolean).join(' ');
  const aria: ControlAria = { id, ...(hasError ? { 'aria-invalid': 'true' as const } : {}), ...(described ? { 'aria-describedby': described } : {}) };
  return (
    <div class={`field${hasError ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children(aria)}
      {hasHint ? (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      ) : null}
      {hasError ? (
        <small id={`${id}-error`} class="field-error" data-testid={errorTestid ?? `${id}-error`}>
          {error}
        </small>
      ) : null}
    </div>
  );
}
