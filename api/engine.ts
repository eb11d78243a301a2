/**
 * The API's side of the account workflows: the relay's delivery (signal-with-start, durable even while no
 * worker runs), a task's position, cancellation, operator controls and the live state query. Every call
 * names one account; nothing here fans out over all workflows.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { toEngineSettings } from '../config/settings';
import type { SettingsStore } from '../db/settings-store';
import { accountWorkflow, accountWorkflowId, type AccountWorkflowInput, type AccountWorkflowOptions } from '../workflows/account-workflow';
import * as messages from '../workflows/messages';
import type { AccountView } from '../workflows/types';
import { ApiError } from './http/errors';

export interface EngineOptions {
  client: Client;
  taskQueue: string;
  settings: SettingsStore;
  workflowOptions: AccountWorkflowOptions;
  submitWaitTimeoutMs: number;
  queryTimeoutMs?: number;
  /** The suspension the ledger holds for an account, so a new run of its workflow starts with it. */
  suspension(accountId: string): Promise<Suspension | null>;
}

type Suspension = { reason: string; atMs: number };

export function createEngine(o: EngineOptions) {
  /** `known`: the suspension when the caller read it already (null: none), else it is read here. */
  const startArgs = async (accountId: string, known?: Suspension | null): Promise<[AccountWorkflowInput]> => {
    const [settings, suspended] = await Promise.all([o.settings.forAccount(accountId), known === undefined ? o.suspension(accountId) : known]);
    return [{ accountId, settings: toEngineSettings(settings), options: o.workflowOptions, ...(suspended ? { suspended } : {}) }];
  };

  /** Operator controls start the workflow too, so a suspension sent to an idle account still holds. */
  async function signalAccount<A extends unknown[]>(accountId: string, signal: SignalDefinition<A>, ...args: A) {
    await o.client.workflow.signalWithStart<typeof accountWorkflow, unknown[]>(accountWorkflow, {
      workflowId: accountWorkflowId(accountId),
      taskQueue: o.taskQueue,
      args: await startArgs(accountId),
      signal: signal.name,
      signalArgs: args,
    });
  }

  return {
    /**
     * The relay's delivery: one signal-with-start carrying what the ledger acknowledged for the account.
     * Durable once it returns (Temporal stored the signal), even while no worker runs.
     */
    async deliver(accountId: string, request: messages.DeliverRequest, suspended?: Suspension | null, timeoutMs = 10_000): Promise<void> {
      const args = await startArgs(accountId, suspended);
      await o.client.withDeadline(Date.now() + timeoutMs, () =>
        o.client.workflow.signalWithStart(accountWorkflow, {
          workflowId: accountWorkflowId(accountId),
          taskQueue: o.taskQueue,
          args,
          signal: messages.deliver,
          signalArgs: [request],
        }),
      );
    },

    /** Where the workflow has the task, or null when it does not answer before the deadline. */
    async position(accountId: string, taskId: string, deadline: number): Promise<messages.TaskPosition | null> {
      try {
        return await o.client.withDeadline(deadline, () =>
          o.client.workflow.getHandle(accountWorkflowId(accountId)).query(messages.getPosition, { taskId }),
        );
      } catch {
        return null;
      }
    },

    async cancel(accountId: string, taskId: string, reason?: string): Promise<void> {
      try {
        await o.client.workflow.getHandle(accountWorkflowId(accountId)).signal(messages.cancel, { taskId, ...(reason ? { reason } : {}) });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw new ApiError(409, 'task_not_live', `task ${taskId} is not queued or running`);
        }
        throw err;
      }
    },

    suspend: (accountId: string, reason: string) => signalAccount(accountId, messages.suspend, { reason }),
    resume: (accountId: string) => signalAccount(accountId, messages.resume),
    startCooldown: (accountId: string, durationMs: number, reason: string) =>
      signalAccount(accountId, messages.startCooldown, { durationMs, reason }),
    endCooldown: (accountId: string) => signalAccount(accountId, messages.endCooldown),

    /** The workflow's own view, or null when it does not answer in time (no worker) or does not exist. */
    async liveState(accountId: string): Promise<AccountView | null> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), o.queryTimeoutMs ?? 2000);
      try {
        return await o.client.withAbortSignal(controller.signal, () =>
          o.client.workflow.getHandle(accountWorkflowId(accountId)).query(messages.getState, { withWaiting: true }),
        );
      } catch {
        return null;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
