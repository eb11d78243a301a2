/** A Temporal dev server of the test file's own: free ports, its own SQLite file, stopped by pid. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { findOrBuildTemporalCli, freePort, startDevServer, type DevServer } from '../../scripts/temporal-cli';
import { eventually } from './wait';

export interface TestTemporal {
  address: string;
  server: DevServer;
  dir: string;
  dbFile: string;
  port: number;
  /** Stops the server and starts it again on the same SQLite file and port, running `whileDown` in between. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestTemporal(): Promise<TestTemporal> {
  const cli = await findOrBuildTemporalCli(() => {});
  const dir = await mkdtemp(join(tmpdir(), 'baton-temporal-'));
  const dbFile = join(dir, 'temporal.sqlite');
  const port = await freePort();
  const start = async () => {
    const server = await startDevServer({ cli, port, uiPort: 0, ui: false, dbFile, namespace: 'default', log: () => {} });
    // The port opens before the namespace is served: wait until a real call succeeds.
    const connection = await Connection.connect({ address: server.address });
    try {
      await eventually(async () => {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      }, { timeoutMs: 30_000, what: 'the dev server namespace' });
    } finally {
      await connection.close();
    }
    return server;
  };
  const t: TestTemporal = {
    address: `127.0.0.1:${port}`,
    server: await start(),
    dir,
    dbFile,
    port,
    async restart(whileDown) {
      await t.server.stop();
      await whileDown?.();
      t.server = await start();
    },
    async stop() {
      await t.server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return t;
}
