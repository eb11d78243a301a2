/**
 * vitest global setup: a PostgreSQL server for the suites that need one (test/helpers/database.ts).
 *
 * - TEST_DATABASE_URL set: nothing to do (CI: `.ci/run` starts the machine's server and sets it).
 * - A server answers on TEST_DATABASE_DEFAULT_URL (default postgres://postgres@127.0.0.1:5432/test, the
 *   address database.ts uses): nothing to do either; a server that answers with an error (no database
 *   `test`, a password wanted) gets one warning line and is still used.
 * - Nothing answers: a private cluster (private-postgres.ts: initdb in a temporary directory, a free port,
 *   run as the postgres user when we are root) with a database `test`, stopped and deleted at teardown.
 *   Its URL goes to the test files through process.env.TEST_DATABASE_URL: vitest builds the environment of
 *   its forked workers from process.env after the global setup has run, and database.ts reads the variable
 *   when it is imported (inside a worker).
 * - Nothing answers and no server binaries: the run fails at once, saying what to install.
 */
import pg from 'pg';
import { freePort } from '../../scripts/temporal-cli';
import { locatePostgresBin, startPrivatePostgres } from './private-postgres';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

type Probe = { answers: true; problem?: string } | { answers: false; reason: string };

/** A real connection attempt: does a PostgreSQL server answer at `url`? */
async function probe(url: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {}); // a late socket error after a failed connect must not crash the run
  try {
    await client.connect();
    await client.end();
    return { answers: true };
  } catch (err) {
    // An error the server sent (SQLSTATE): it answers, just not as we would like.
    if (err instanceof pg.DatabaseError) return { answers: true, problem: err.message };
    const e = err as NodeJS.ErrnoException;
    return { answers: false, reason: e.code ?? e.message };
  }
}

const say = (msg: string) => console.log(`[baton tests] ${msg}`);

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_DATABASE_URL !== undefined) return undefined;

  const defaultUrl = process.env.TEST_DATABASE_DEFAULT_URL ?? DEFAULT_URL;
  const found = await probe(defaultUrl);
  if (found.answers) {
    // database.ts falls back to DEFAULT_URL; an overridden default address must reach it too.
    if (defaultUrl !== DEFAULT_URL) process.env.TEST_DATABASE_URL = defaultUrl;
    if (found.problem) say(`warning: the PostgreSQL server at ${defaultUrl} answers "${found.problem}"; the Postgres suites will fail until that is fixed`);
    return undefined;
  }

  const bin = locatePostgresBin();
  if (!bin) {
    // One line and out: a thrown error would come after vitest's misleading "No test files found" block.
    console.error(
      `[baton tests] The Postgres suites need PostgreSQL: TEST_DATABASE_URL is unset, nothing answers at ${defaultUrl} (${found.reason}), ` +
        'and no server binaries (initdb, pg_ctl) were found to start a private one (looked at PG_BIN, pg_config --bindir, ' +
        '/usr/lib/postgresql/*/bin, PATH). Install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; the server need not run), ' +
        'or set TEST_DATABASE_URL to a server.',
    );
    process.exit(1);
  }

  const server = await startPrivatePostgres(await freePort(), () => {}, bin);
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE test');
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.destroy();
    throw err;
  }
  const url = server.url.replace(/\/postgres$/, '/test');
  process.env.TEST_DATABASE_URL = url;
  say(
    `nothing answers at ${defaultUrl} (${found.reason}): started a private PostgreSQL from ${bin} ` +
      `(pid ${await server.pid()}, data in ${server.dir}), TEST_DATABASE_URL=${url}; it is stopped and deleted after the run`,
  );

  return async () => {
    delete process.env.TEST_DATABASE_URL;
    await server.destroy();
  };
}
