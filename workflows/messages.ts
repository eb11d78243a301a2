/**
 * Signals, updates and queries of the account workflow, defined once for the workflow and its clients.
 * Message names are verbs; the string equals the identifier. See ./types.ts for the glossary.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountView, DeliveredTask, TaskSpec } from './types';

/**
 * The intake's relay delivers what the ledger acknowledged: every undelivered task of the account, in
 * acknowledgement order, in one signal. The ledger has already refused what it must (a live dedupe key, a
 * full queue), so the workflow takes each task unless it has seen its id (a relay that crashed between
 * signal and mark delivers again). `backlog`: acknowledged tasks the ledger still holds back because the
 * workflow already holds its window of them.
 */
export interface DeliverRequest {
  tasks: DeliveredTask[];
  backlog: number;
}
export const deliver = defineSignal<[DeliverRequest]>('deliver');

/** Before the outbox: the API's own signal, checked by the workflow. Kept so older histories replay. */
export interface EnqueueRequest {
  tasks: TaskSpec[];
}
export const enqueue = defineSignal<[EnqueueRequest]>('enqueue');

export interface CancelRequest {
  taskId: string;
  reason?: string;
}
export const cancel = defineSignal<[CancelRequest]>('cancel');

export const suspend = defineSignal<[{ reason: string }]>('suspend');
export const resume = defineSignal<[]>('resume');
export const startCooldown = defineSignal<[{ durationMs: number; reason: string }]>('startCooldown');
export const endCooldown = defineSignal<[]>('endCooldown');

/**
 * Synchronous submission: the validator rejects a live dedupe key or a full queue before anything is
 * written to history; an accepted task answers with its position (or its status when it is no longer
 * queued, for a retried submission of a known task id).
 */
export interface SubmitResult {
  taskId: string;
  status: 'queued' | 'running' | 'known';
  position: number | null;
}
export const submit = defineUpdate<SubmitResult, [TaskSpec]>('submit');

/** With no argument (the Web UI's Queries tab, `temporal workflow query`) the waiting list is included. */
export const getState = defineQuery<AccountView, [{ withWaiting?: boolean }?]>('getState');

/** Where one task stands: `queued` with its position, `running`, or `unknown` (not here, or finished). */
export interface TaskPosition {
  taskId: string;
  status: 'queued' | 'running' | 'unknown';
  position: number | null;
}
export const getPosition = defineQuery<TaskPosition, [{ taskId: string }]>('getPosition');

/** Failure types the submit validator throws; the API maps them to 409. */
export const SUBMIT_REJECTION_TYPES = ['already_running', 'already_queued', 'queue_full'] as const;
