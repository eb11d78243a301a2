/**
 * The account collections' paths: the current ones outside /api/accounts/, the old ones still answering
 * (deprecated in the document), and an account named like an old fixed segment reachable everywhere.
 * Every answer is checked against the OpenAPI document (app-fixture.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppFixture } from './app-fixture';

let f: AppFixture;
beforeAll(async () => {
  f = await startApp();
});
afterAll(async () => {
  await f?.close();
});

const get = async (path: string) => {
  const res = await f.app.request(path);
  return { status: res.status, body: await res.json() };
};

describe('account collection paths', () => {
  it('answers the same at the current and the deprecated paths', async () => {
    for (const [current, legacy] of [
      ['/api/account-execution-states', '/api/accounts/execution-states'],
      ['/api/account-states?errors=1', '/api/accounts/states?errors=1'],
      ['/api/waiting-tasks', '/api/accounts/waiting-tasks'],
      ['/api/account-states/nobody', '/api/accounts/states/nobody'],
    ] as const) {
      const [a, b] = [await get(current), await get(legacy)];
      expect(b).toEqual(a);
      expect([200, 404]).toContain(a.status);
    }
    const doc = (await get('/openapi.json')).body;
    expect(doc.paths['/api/accounts/states/{accountId}'].get.deprecated).toBe(true);
    expect(doc.paths['/api/account-states/{accountId}'].get.deprecated).toBeUndefined();
  });

  it('gives an account named `states` or `execution-states` its own settings, where the old paths collided', async () => {
    for (const accountId of ['states', 'execution-states']) {
      const put = await f.app.request(`/api/accounts/${accountId}/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ maxQueuedPerAccount: 7 }),
      });
      expect(put.status).toBe(200);
      const read = await get(`/api/accounts/${accountId}/settings`);
      expect(read).toEqual({ status: 200, body: { accountId, overrides: { maxQueuedPerAccount: 7 } } });
    }
    // The account named `settings` is read at the current path.
    expect((await get('/api/account-states/settings')).body.error.code).toBe('account_not_found');
  });
});
