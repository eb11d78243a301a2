/**
 * Signals, updates and queries of the account workflow, defined once for the workflow and its clients.
 * Message names are verbs; the string equals the identifier. See ./types.ts for the glossary.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountView, TaskSpec } from './types';

/** Many tasks in one signal: a workflow takes only a few signals a second, a batch takes one. */
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

export const getState = defineQuery<AccountView, [{ withWaiting: boolean }]>('getState');

/** Failure types the submit validator throws; the API maps them to 409. */
export const SUBMIT_REJECTION_TYPES = ['already_running', 'already_queued', 'queue_full'] as const;
