/** Puts the API's answer to a refused submission next to the field it is about. */
import { ApiFailure } from './api';

export type SubmitField = 'type' | 'payload' | 'dedupeKey' | 'priority' | 'form';

export interface SubmitProblem {
  field: SubmitField;
  message: string;
  /** The live task a dedupe key points at (409). */
  taskId?: string;
}

const FIELDS: SubmitField[] = ['type', 'payload', 'dedupeKey', 'priority'];

export function submitProblems(err: unknown): SubmitProblem[] {
  if (!(err instanceof ApiFailure)) return [{ field: 'form', message: (err as Error).message }];
  switch (err.code) {
    case 'unknown_task_type':
      return [{ field: 'type', message: err.message }];
    case 'invalid_payload': {
      const issues = err.issues;
      return issues.length
        ? issues.map((i) => ({ field: 'payload' as const, message: `${i.path || 'payload'}: ${i.message}` }))
        : [{ field: 'payload', message: err.message }];
    }
    case 'already_queued':
    case 'already_running': {
      const taskId = (err.details as { taskId?: unknown } | null)?.taskId;
      return [{ field: 'dedupeKey', message: err.message, ...(typeof taskId === 'string' ? { taskId } : {}) }];
    }
    case 'validation_error': {
      const out = err.issues.map((i) => {
        const head = i.path.split('.')[0] as SubmitField;
        return FIELDS.includes(head) ? { field: head, message: i.message } : { field: 'form' as const, message: `${i.path}: ${i.message}` };
      });
      return out.length ? out : [{ field: 'form', message: err.message }];
    }
    default:
      return [{ field: 'form', message: err.message }];
  }
}
