/**
 * The OpenAPI document exactly as `/openapi.json` serves it, from `createApp(...)` with stand-in
 * dependencies: no server, no database, no Temporal. Used by scripts/openapi.ts and the tests' contract
 * checks (test/helpers/contract.ts).
 */
import { createHandlerRegistry } from '../activities/handlers';
import { createApp, type AppDeps } from '../api/app';
import { loadConfig } from '../config/env';
import { createLogger } from '../config/logger';

/** Any use of a stand-in (a query, a signal) throws: building the document must not need one. */
function standIn(name: string): never {
  const handler: ProxyHandler<object> = {
    get(_target, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined; // not a promise
      return new Proxy(() => {}, {
        ...handler,
        apply: () => {
          throw new Error(`${name}.${String(prop)} is not available while writing the OpenAPI document`);
        },
      });
    },
  };
  return new Proxy({}, handler) as never;
}

/** The document the API serves with this environment (default: none, as `npm start` without API_KEYS). */
export async function servedDocument(env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const deps: AppDeps = {
    config,
    log: createLogger('silent', 'openapi'),
    handlers: createHandlerRegistry({ demoHandlers: config.DEMO_HANDLERS, webhookUrl: config.WEBHOOK_URL }),
    database: standIn('database'),
    engine: standIn('engine'),
    relay: standIn('relay'),
    settings: standIn('settings'),
    health: standIn('health'),
    notifications: standIn('notifications'),
  };
  const res = await createApp(deps, { buildDashboard: false }).request('/openapi.json');
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
