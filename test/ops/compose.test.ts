/**
 * No container engine runs on our machines, so the production topology is checked by reading it: the
 * services, images, ports, dependencies, healthchecks and restart policies of temporal-compose.yml, its
 * Baton environment against the configuration reference, and docs/operations.md against config/env.ts.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../config/env';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  restart?: string;
  deploy?: { replicas?: number };
}

const compose = parse(await readFile(`${root}temporal-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** `${VAR:-default}` → default, `${VAR:?msg}` → a placeholder: what compose would pass with no overrides. */
const resolve = (v: string | number) =>
  String(v)
    .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')
    .replace(/\$\{([A-Z_]+):\?[^}]*\}/g, 'set-by-operator');

describe('temporal-compose.yml', () => {
  it('has the production services with pinned images', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['baton-api', 'baton-db', 'baton-worker', 'postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui'].sort(),
    );
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toBeDefined();
      expect(s.image, name).not.toMatch(/:latest$|^[^:]+$/);
    }
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services['baton-api']!.build).toBeDefined();
    expect(services['baton-worker']!.deploy?.replicas).toBe(2);
  });

  it('runs Temporal on PostgreSQL, with healthchecks, dependencies and restart policies', () => {
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    expect(services.temporal!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    for (const name of ['postgresql', 'temporal', 'baton-db', 'baton-api', 'baton-worker']) {
      expect(services[name]!.healthcheck, name).toBeDefined();
    }
    for (const name of ['baton-api', 'baton-worker']) {
      expect(services[name]!.depends_on).toEqual({
        'baton-db': { condition: 'service_healthy' },
        temporal: { condition: 'service_healthy' },
        'temporal-search-attributes': { condition: 'service_completed_successfully' },
      });
    }
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'baton-db', 'baton-api', 'baton-worker']) {
      expect(services[name]!.restart, name).toBe('unless-stopped');
    }
  });

  it('exposes the API on every interface, and the unauthenticated frontend and Web UI on loopback only', () => {
    expect(services['baton-api']!.ports).toEqual(['3000:3000']);
    expect(services.temporal!.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui']!.ports).toEqual(['127.0.0.1:8233:8080']);
    // Nothing else is published, and nothing but the API (which requires API_KEYS) on all interfaces.
    for (const [name, s] of Object.entries(services)) {
      if (['baton-api', 'temporal', 'temporal-ui'].includes(name)) continue;
      expect(s.ports, name).toBeUndefined();
    }
    for (const spec of [...services.temporal!.ports!, ...services['temporal-ui']!.ports!]) expect(spec).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('registers exactly the search attributes the workflows upsert', () => {
    const script = (services['temporal-search-attributes']!.command as string[]).join('\n');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(script).toContain(`${name}:${type}`);
    expect(script.match(/\w+:(Keyword|Int|Datetime)/g)).toHaveLength(Object.keys(SEARCH_ATTRIBUTES).length);
  });

  it("gives Baton's processes only variables the configuration knows, and values it accepts", () => {
    for (const name of ['baton-api', 'baton-worker']) {
      const env = Object.fromEntries(Object.entries(services[name]!.environment!).map(([k, v]) => [k, resolve(v)]));
      for (const key of Object.keys(env)) expect(CONFIG_VARIABLES, `${name}: ${key}`).toContain(key);
      const config = loadConfig(env);
      expect(config.DATABASE_URL).toMatch(/^postgres:\/\/baton:.+@baton-db:5432\/baton$/);
      expect(config.temporalAddress).toBe('temporal:7233');
    }
    const api = services['baton-api']!;
    expect(api.environment!.HOST).toBe('0.0.0.0');
    // Bound to every interface, so keys are required (the API refuses to start without them).
    expect(String(api.environment!.API_KEYS)).toMatch(/\$\{API_KEYS:\?/);
    expect(api.command).toEqual(['npm', 'run', 'api']);
    expect(services['baton-worker']!.command).toEqual(['npm', 'run', 'worker']);
  });
});

describe('docs/operations.md', () => {
  it('documents every configuration variable', async () => {
    const doc = await readFile(`${root}docs/operations.md`, 'utf8');
    const missing = CONFIG_VARIABLES.filter((v) => !doc.includes(`| \`${v}\` |`));
    expect(missing).toEqual([]);
  });
});
