/**
 * Bundles the workflow code once (webpack via the Temporal SDK). A bundle is reused by every worker of a
 * process, and tests build it once per file.
 */
import { createRequire } from 'node:module';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const require = createRequire(import.meta.url);

let pending: Promise<WorkflowBundleWithSourceMap> | undefined;

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  pending ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows/index.ts'),
    logger: { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: console.warn, error: console.error },
  });
  return pending;
}
