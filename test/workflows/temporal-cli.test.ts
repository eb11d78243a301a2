/**
 * The account workflows as an operator sees them through the real `temporal` CLI (the Web UI calls the
 * same APIs): a query with no argument answers, describe shows the search attributes, and list filters
 * on AccountState and QueueLength.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrBuildTemporalCli } from '../../scripts/temporal-cli';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { call, startStack, type TestStack } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

let temporal: TestTemporal;
let stack: TestStack;
let cli: string;

beforeAll(async () => {
  cli = await findOrBuildTemporalCli(() => {});
  temporal = await startTestTemporal();
  stack = await startStack(temporal, { driver: 'pglite' });
});

afterAll(async () => {
  await stack?.stop();
  await temporal?.stop();
});

async function temporalCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(cli, [...args, '--address', temporal.address, '--namespace', 'default'], { timeout: 30_000 });
  return stdout;
}

describe('the temporal CLI', () => {
  it('queries getState with no input, describes an account and lists accounts by their search attributes', async () => {
    const a = `cli-${randomUUID().slice(0, 8)}`;
    await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'looking' });
    for (let i = 0; i < 3; i++) expect((await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } })).status).toBe(202);
    const id = accountWorkflowId(a);
    const state = await eventually(async () => {
      const out = JSON.parse(await temporalCli('workflow', 'query', '--workflow-id', id, '--type', 'getState', '--output', 'json')) as {
        queryResult: { state: string; queueLength: number; waiting?: unknown[] }[];
      };
      const s = out.queryResult[0]!;
      return s.queueLength === 3 && s;
    }, { what: 'getState through the CLI' });
    expect(state.state).toBe('SUSPENDED');
    expect(state.waiting).toHaveLength(3); // no argument: the waiting list is included

    const listed = await eventually(async () => {
      const out = await temporalCli('workflow', 'list', '--query', `AccountState = 'SUSPENDED' AND QueueLength >= 3 AND WorkflowId = '${id}'`, '--output', 'json');
      return out.includes(id) && out;
    }, { what: 'list by AccountState and QueueLength' });
    expect(listed).toContain(id);
    const described = JSON.parse(await temporalCli('workflow', 'describe', '--workflow-id', id, '--output', 'json')) as {
      workflowExecutionInfo: { searchAttributes: { indexedFields: Record<string, { data: string }> } };
    };
    const fields = described.workflowExecutionInfo.searchAttributes.indexedFields;
    expect(JSON.parse(Buffer.from(fields.AccountState!.data, 'base64').toString())).toBe('SUSPENDED');
    expect(JSON.parse(Buffer.from(fields.QueueLength!.data, 'base64').toString())).toBeGreaterThanOrEqual(3);
    await call(stack, 'POST', `/api/accounts/${a}/resume`);
  });
});
