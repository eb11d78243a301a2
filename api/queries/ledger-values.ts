/**
 * The ledger keeps statuses and states as text and event data as jsonb; the contract says which values
 * they take (the zod schemas of api/schemas.ts, whose enumerations come from workflows/types.ts). A value
 * read from such a column is narrowed here, once and checked: one the contract does not allow throws (a
 * 500 `internal_error`, logged) instead of reaching a client as an answer the document does not describe.
 */
import { AccountState, InteractionStatus, TaskEvent, TaskStatus } from '../schemas';

export const taskStatusOf = (value: string) => TaskStatus.parse(value);
export const accountStateOf = (value: string) => AccountState.parse(value);
export const interactionStatusOf = (value: string) => InteractionStatus.parse(value);
/** A task event's `data`: an object, or null when the event carries none. */
export const taskEventDataOf = (value: unknown) => TaskEvent.shape.data.parse(value ?? null);
