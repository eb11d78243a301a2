/**
 * The real Temporal server on PostgreSQL (scripts/temporal-server-lib.ts, `npm run temporal:server`): the
 * configuration the project keeps agrees with the dev server's flags and temporal-compose.yml, and a server
 * of the test's own (its own databases) serves Baton's namespace with its search attributes through advanced
 * visibility, and keeps a workflow through a SIGKILL. The first run builds the server (2-3 min on 2 cores;
 * .ci/run builds it before `npm test`).
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPTIONAL_DYNAMIC_CONFIG, REQUIRED_DYNAMIC_CONFIG } from '../../scripts/temporal-cli';
import { DYNAMIC_CONFIG_FILE, findOrBuildTemporalServer, TEMPORAL_SERVER_VERSION } from '../../scripts/temporal-server-lib';
import { AccountStateKey, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { startTestTemporalServer, type TestTemporalServer } from '../helpers/temporal-server';
import { eventually } from '../helpers/wait';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dynamicConfig = parse(await readFile(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, { value: unknown }[]>;

describe('the Temporal server configuration', () => {
  it('gives the real server every dynamic config value the dev server gets', () => {
    for (const kv of [REQUIRED_DYNAMIC_CONFIG, ...OPTIONAL_DYNAMIC_CONFIG]) {
      const [key, value] = kv.split('=') as [string, string];
      expect(dynamicConfig[key], key).toEqual([{ value: JSON.parse(value) }]);
    }
  });

  it('is what temporal-compose.yml runs: the same server version and dynamic config file', async () => {
    const compose = parse(await readFile(`${root}temporal-compose.yml`, 'utf8')) as {
      services: Record<string, { image?: string; environment?: Record<string, string>; volumes?: string[] }>;
    };
    const temporal = compose.services.temporal!;
    expect(temporal.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(compose.services['temporal-search-attributes']!.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    const mount = temporal.volumes?.find((v) => v.startsWith('./temporal/dynamicconfig.yaml:'));
    expect(mount).toBeDefined();
    expect(temporal.environment!.DYNAMIC_CONFIG_FILE_PATH).toBe(mount!.split(':')[1]);
  });
});

describe('the real Temporal server on PostgreSQL', () => {
  let t: TestTemporalServer;
  beforeAll(async () => {
    t = await startTestTemporalServer({ prefix: 'baton_test_temporal' });
  }, 600_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  it('accepts its dynamic config file as valid', async () => {
    const tools = await findOrBuildTemporalServer(() => {});
    const r = spawnSync(tools.server, ['validate-dynamic-config', DYNAMIC_CONFIG_FILE], { encoding: 'utf8', timeout: 60_000 });
    // It exits 0 either way and names each problem on a line of its own ("warning: unregistered key",
    // "warning: validation failed: ... value type is not int") below the file's name.
    expect(r.status).toBe(0);
    expect(`${r.stdout}${r.stderr}`.trim(), 'validate-dynamic-config').toBe(DYNAMIC_CONFIG_FILE);
  });

  it("serves Baton's search attributes through advanced visibility and keeps a workflow through a SIGKILL", async () => {
    const listed = async () => {
      const connection = await Connection.connect({ address: t.address });
      try {
        return await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      } finally {
        await connection.close();
      }
    };
    expect(Object.keys((await listed()).customAttributes ?? {}).sort()).toEqual(Object.keys(SEARCH_ATTRIBUTES).sort());

    // A workflow nobody runs (no worker polls its queue): it stays open, in the databases only.
    const workflowId = `server-test-${Date.now()}`;
    const start = async () => {
      const connection = await Connection.connect({ address: t.address });
      const client = new Client({ connection });
      try {
        await client.workflow.start('nobodyRunsThis', {
          taskQueue: 'no-worker', workflowId, typedSearchAttributes: [{ key: AccountStateKey, value: 'idle' }],
        });
      } finally {
        await connection.close();
      }
    };
    await start();

    const found = async () => {
      const connection = await Connection.connect({ address: t.address });
      const client = new Client({ connection });
      try {
        const ids: string[] = [];
        for await (const w of client.workflow.list({ query: `AccountState = 'idle' AND WorkflowId = '${workflowId}'` })) ids.push(w.workflowId);
        const status = (await client.workflow.getHandle(workflowId).describe()).status.name;
        return ids.length === 1 && status;
      } finally {
        await connection.close();
      }
    };
    // Visibility is written asynchronously: eventually, not at once.
    expect(await eventually(found, { timeoutMs: 30_000, intervalMs: 250, what: 'the workflow in a visibility query' })).toBe('RUNNING');

    const pid = t.server.pid;
    await t.restart('SIGKILL');
    expect(t.server.pid).not.toBe(pid);
    expect(await eventually(found, { timeoutMs: 60_000, intervalMs: 500, what: 'the workflow after the SIGKILL' })).toBe('RUNNING');
    expect(Object.keys((await listed()).customAttributes ?? {}).sort()).toEqual(Object.keys(SEARCH_ATTRIBUTES).sort());
  }, 180_000);
});
