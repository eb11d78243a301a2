/**
 * The LISTEN connection of the Postgres client survives losing its server session: after the backend is
 * terminated it listens again, says so (so event streams read again), and delivers what comes next.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/wait';

describe('database.listen on postgres', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('listens again after its connection is killed, and reports the re-listen', async () => {
    const channel = `baton_test_${randomBytes(5).toString('hex')}`;
    const got: string[] = [];
    let relistens = 0;
    const unlisten = await t.database.listen([channel], (ch, payload) => got.push(`${ch}:${payload}`), () => relistens++);

    await t.database.execute(`NOTIFY ${channel}, 'one'`);
    await eventually(() => got.length === 1, { what: 'the first notification' });
    expect(got).toEqual([`${channel}:one`]);

    const killed = (await t.database.execute(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = 'LISTEN "${channel}"'`,
    )) as { rows: { ok: boolean }[] };
    expect(killed.rows).toEqual([{ ok: true }]);

    await eventually(() => relistens === 1, { timeoutMs: 15_000, what: 'the re-listen' });
    await t.database.execute(`NOTIFY ${channel}, 'two'`);
    await eventually(() => got.length === 2, { what: 'the notification after the re-listen' });
    expect(got).toEqual([`${channel}:one`, `${channel}:two`]);

    await unlisten();
    await t.database.execute(`NOTIFY ${channel}, 'three'`);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(2);
  });
});
