/**
 * Property-based fuzzing of the HTTP API: fast-check generates methods, paths, query strings, headers and
 * bodies (huge, deeply nested, wrong-typed, unicode, injection-shaped). Whatever a client sends, the API
 * answers below 500 with the error JSON, and the process keeps its memory bounded.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { stackPerFile } from '../helpers/stack-per-file';

// No worker: submissions are still accepted (committed in the ledger) and nothing runs, so the fuzzer
// measures the API alone (test/api/fuzz-ledger.test.ts runs its submissions with a worker). Keys are on so that auth is fuzzed too; most requests carry a good one.
const { stack } = stackPerFile({ driver: 'pglite', worker: false, env: { API_KEYS: 'fuzz-key', SUBMIT_WAIT_TIMEOUT_MS: '300' } });

const nasty = fc.constantFrom(
  "' OR 1=1 --", '"; DROP TABLE tasks; --', '../../etc/passwd', '%00', '\u0000', '\uffff', '😀', 'é', '<script>alert(1)</script>',
  '${jndi:ldap://x}', '{{7*7}}', 'a'.repeat(300), '__proto__', 'constructor', 'NaN', '-1', '1e309', ' ', '',
);
// Half the ids are valid so that requests get past validation into the handlers.
const segment = fc.oneof(
  { arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), nasty), weight: 1 },
  { arbitrary: fc.oneof(fc.uuid(), fc.constantFrom('acct-1', 'demo'), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/)), weight: 1 },
);
const enc = (s: string) => encodeURIComponent(s);

const paths = fc.oneof(
  segment.map((a) => `/api/accounts/${enc(a)}/tasks`),
  segment.map((a) => `/api/accounts/${enc(a)}/tasks?wait=true`),
  fc.constant('/api/tasks/batch'),
  segment.map((t) => `/api/tasks/${enc(t)}`),
  segment.map((t) => `/api/tasks/${enc(t)}/cancel`),
  fc.tuple(segment, segment, segment, fc.oneof(fc.integer(), nasty)).map(([a, s, c, l]) => `/api/tasks?accountId=${enc(a)}&status=${enc(s)}&cursor=${enc(c)}&limit=${enc(String(l))}`),
  fc.tuple(segment, fc.oneof(fc.integer(), nasty)).map(([c, l]) => `/api/accounts/execution-states?cursor=${enc(c)}&limit=${enc(String(l))}`),
  segment.map((a) => `/api/accounts/execution-states/${enc(a)}`),
  segment.map((a) => `/api/accounts/states/${enc(a)}`),
  fc.constant('/api/accounts/states?errors=1000'),
  fc.constant('/api/accounts/waiting-tasks'),
  segment.map((a) => `/api/accounts/${enc(a)}/suspend`),
  segment.map((a) => `/api/accounts/${enc(a)}/resume`),
  segment.map((a) => `/api/accounts/${enc(a)}/cooldown`),
  segment.map((a) => `/api/accounts/${enc(a)}/settings`),
  fc.constantFrom('/api/metrics/concurrency', '/api/settings', '/health', '/openapi.json', '/api/nope', '/%', '/api/tasks/%E0%A4%A'),
  fc.string({ maxLength: 60 }).map((s) => `/${s}`),
);

const deep = fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const taskLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('sleep', 'simulate', 'webhook', 'nope'), fc.string(), fc.integer(), fc.constant(null)),
    payload: fc.oneof(fc.jsonValue(), fc.record({ ms: fc.oneof(fc.integer(), fc.double(), fc.string()) })),
    taskId: fc.oneof(segment, fc.integer()),
    dedupeKey: fc.oneof(segment, fc.array(fc.string())),
    priority: fc.oneof(fc.integer(), fc.double(), fc.string()),
    runAfter: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), nasty),
    accountId: segment,
  },
  { requiredKeys: [] },
);
const bodies = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  taskLike.map((v) => JSON.stringify(v)),
  fc.array(taskLike, { maxLength: 5 }).map((tasks) => JSON.stringify({ tasks })),
  fc.integer({ min: 0, max: 1200 }).map((n) => JSON.stringify({ tasks: Array.from({ length: n }, () => ({ accountId: 'a', type: 'sleep', payload: { ms: 1 } })) })),
  fc.record({ seconds: fc.oneof(fc.double(), fc.string(), fc.integer()), reason: fc.oneof(fc.string(), fc.integer()) }).map((v) => JSON.stringify(v)),
  fc.record({ maxAttempts: fc.oneof(fc.integer(), fc.string()), rateLimitBackoffSeconds: fc.array(fc.double()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  deep,
  fc.integer({ min: 1, max: 3 }).map((mb) => JSON.stringify({ type: 'sleep', payload: { pad: 'x'.repeat(mb * 1024 * 1024) } })),
  fc.string({ maxLength: 200 }),
  fc.constant('{"type": "sleep", "payload": {"ms": 1}'),
  fc.constant('\u0000\u0001garbage'),
);
const headerSets = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', ''),
    authorization: fc.oneof(
      { arbitrary: fc.constant('Bearer fuzz-key'), weight: 8 },
      { arbitrary: fc.string({ maxLength: 50 }), weight: 1 },
      { arbitrary: fc.constant('Bearer '), weight: 1 },
    ),
    'idempotency-key': fc.oneof(fc.string({ maxLength: 300 }), nasty),
    'last-event-id': fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)),
  },
  { requiredKeys: ['authorization'] },
);
// Header values must be valid ByteStrings for the Request constructor; a client that sends others is
// refused by its own HTTP stack before reaching us.
const headerSafe = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\x20-\x7e\t]*$/.test(v)));

it('never answers 5xx and always answers errors as JSON, over 5,000 generated requests', async () => {
  const rssBefore = process.memoryUsage().rss;
  const statuses = new Map<number, number>();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      paths,
      headerSets,
      bodies,
      async (method, path, headers, body) => {
        n += 1;
        const init: RequestInit = { method, headers: headerSafe(headers as Record<string, string>) };
        if (body !== undefined && method !== 'GET' && method !== 'HEAD') init.body = body;
        let res: Response;
        try {
          res = await stack.api.app.request(path, init);
        } catch (err) {
          // Only the Request constructor may refuse (an unparseable URL): that never reaches the server.
          if (err instanceof TypeError && /URL|url/.test(err.message)) return;
          throw err;
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const text = await res.text();
        // Readiness answers 503 by design here: no worker polls the task queue.
        const readiness = path.startsWith('/health') && res.status === 503;
        if (!readiness) expect(res.status, `${method} ${path.slice(0, 120)} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400 && method !== 'HEAD' && !readiness) {
          const parsed = JSON.parse(text) as { error: { code: unknown; message: unknown } };
          expect(typeof parsed.error.code).toBe('string');
          expect(typeof parsed.error.message).toBe('string');
        }
      },
    ),
    { numRuns: 5000, endOnFailure: true },
  );
  const grewMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  console.log(`fuzz: ${n} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}, rss +${grewMb.toFixed(0)} MB`);
  expect(n).toBeGreaterThanOrEqual(5000);
  expect(grewMb).toBeLessThan(512);
}, 600_000);
