/**
 * `npm run test:chaos [-- --server=dev|cluster] [vitest arguments]`: the fault run under vitest
 * (vitest.chaos.config.ts). vitest refuses options it does not know, so `--server=` is taken here and
 * handed to the run as CHAOS_SERVER (fault-run.ts reads it); everything else goes to vitest unchanged.
 * `--server=cluster` runs against the real Temporal server on PostgreSQL, with two API processes and three
 * workers, and adds the server's SIGKILL to the faults.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const serverArg = args.find((a) => a.startsWith('--server='));
const server = serverArg?.slice('--server='.length);
if (server !== undefined && server !== 'dev' && server !== 'cluster') {
  console.error(`--server must be dev or cluster, got ${JSON.stringify(server)}`);
  process.exit(2);
}
const rest = args.filter((a) => a !== serverArg);
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const env = { ...process.env, ...(server ? { CHAOS_SERVER: server } : {}) };
const child = spawn(process.execPath, [vitest, 'run', '--config', 'vitest.chaos.config.ts', ...rest], { stdio: 'inherit', env });
// vitest stops its run (and the run stops every process it started) on these; this wrapper just waits.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
