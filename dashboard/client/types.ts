/**
 * The API's shapes as the page reads them: names for the schemas of the OpenAPI document, whose types are
 * generated (client/openapi-types.ts, `npm run generate:client`). Nothing here is copied by hand, so a
 * change to a schema shows up in the page's type check.
 */
import { accountStateValues, interactionStatusValues, taskStatusValues, waitingReasonValues, type Schemas } from '../../client';

export type AccountStateName = Schemas['AccountState'];
export const ACCOUNT_STATES: readonly AccountStateName[] = accountStateValues;

export type TaskStatus = Schemas['TaskStatus'];
export const TASK_STATUSES: readonly TaskStatus[] = taskStatusValues;
export { LIVE_STATUSES } from '../../workflows/task-status';

export type WaitingReason = Schemas['WaitingReason'];
export const WAITING_REASONS: readonly WaitingReason[] = waitingReasonValues;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type WaitingTask = Schemas['WaitingTask'];
export type BreakerChange = Schemas['BreakerChange'];
export type Account = Schemas['AccountExecutionState'];
export type AccountError = Schemas['AccountError'];
export type AccountHealth = Schemas['AccountHealth'];
export type Task = Schemas['Task'];
export type SubmitAnswer = Schemas['SubmitAccepted'];
export type ConcurrencyMetrics = Schemas['ConcurrencyMetrics'];
export type DashboardMetrics = Schemas['DashboardMetrics'];
export type MetricsSeries = Schemas['MetricsSeries'];
export type AccountTimeline = Schemas['AccountTimeline'];
export type HeldDedupeKey = Schemas['HeldDedupeKey'];

export type InteractionStatus = Schemas['InteractionStatus'];
export const INTERACTION_STATUSES: readonly InteractionStatus[] = interactionStatusValues;
export type Interaction = Schemas['InteractionEvent'];

/** One event of a task's stream (`GET /api/tasks/{id}/events`). */
export type TaskEvent = Schemas['TaskEvent'];

/** The settings as the form edits them: every value but `sources`, by name. */
export type Settings = Record<string, unknown>;

/** What the server put in the page: the task types it accepts and the settings' descriptions. */
export interface PageMeta {
  taskTypes: { type: string; description: string }[];
  settingDescriptions: Record<string, string>;
}
