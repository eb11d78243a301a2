// The workflows the worker registers (its bundle entry point).
export { accountWorkflow } from './account-workflow';
export { cleanupWorkflow } from './cleanup-workflow';
