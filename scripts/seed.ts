/**
 * `npm run seed`: a burst of `simulate` tasks across 50 accounts against a running Baton (`npm start`),
 * so the dashboard and the API have something to show: most tasks succeed after a moment, some accounts
 * hit rate limits and cool down, a few tasks fail or are skipped, some engage a target twice.
 * Options: --accounts=N (50), --tasks=N per account (6), --url=http://127.0.0.1:3000, --key=API key.
 */
import { loadConfigOrExit } from '../config/env';
import { errorMessage } from '../workflows/error-message';

const config = loadConfigOrExit();
const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=') ?? fallback;
const base = arg('url', `http://${config.HOST}:${config.PORT}`);
const accounts = Number(arg('accounts', '50'));
const perAccount = Number(arg('tasks', '6'));
const key = arg('key', config.API_KEYS[0] ?? '');

function payloadFor(account: number, n: number) {
  const roll = (account * 31 + n * 17) % 20;
  if (account % 7 === 3 && n === 0) return { ms: 500, outcome: 'rate_limited', failTimes: 1 };
  if (roll === 0) return { ms: 300, outcome: 'error' };
  if (roll === 1) return { ms: 200, outcome: 'unavailable' };
  if (roll === 2) return { ms: 300, outcome: 'transient', failTimes: 1 };
  if (roll < 6) return { ms: 400, target: `user-${account % 5}`, action: 'follow' };
  return { ms: 300 + ((account * 97 + n * 13) % 1700) };
}

const tasks = [];
for (let n = 0; n < perAccount; n++) {
  for (let a = 0; a < accounts; a++) tasks.push({ accountId: `demo-${String(a).padStart(2, '0')}`, type: 'simulate', payload: payloadFor(a, n) });
}
const res = await fetch(`${base}/api/tasks/batch`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  body: JSON.stringify({ tasks }),
}).catch((err: unknown) => {
  console.error(`cannot reach Baton at ${base}: ${errorMessage(err)} (is npm start running?)`);
  process.exit(1);
});
const body = (await res.json()) as { results?: { error?: unknown }[]; error?: { message: string } };
if (!res.ok) {
  console.error(`Baton answered ${res.status}: ${body.error?.message ?? JSON.stringify(body)}`);
  process.exit(1);
}
const refused = body.results!.filter((r) => r.error).length;
console.log(`submitted ${tasks.length - refused} simulate tasks across ${accounts} accounts (${refused} refused); watch ${base}/`);
