/**
 * The dashboard's HTTP side without a browser: the page and assets load without a key and carry the
 * Content-Security-Policy, assets revalidate by ETag, and the API around them is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/wiring';
import { DASHBOARD_CSP } from '../../api/routes/dashboard';
import { loadConfig } from '../../config/env';
import { createLogger } from '../../config/logger';
import { enforceContract } from '../helpers/contract';
import { openTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;
let api: Awaited<ReturnType<typeof buildApi>>;

beforeAll(async () => {
  db = await openTestDatabase('pglite');
  // No Temporal here: the client connects lazily and these routes never reach it.
  const config = loadConfig({ DEMO_HANDLERS: '1', LOG_LEVEL: 'silent', API_KEYS: 'dash-key', BATON_DATA_DIR: db.dataDir, TEMPORAL_ADDRESS: '127.0.0.1:1' });
  api = await buildApi({ config, database: db.database, log: createLogger(config.LOG_LEVEL, 'test') });
  enforceContract(api.app); // every answer is checked against the OpenAPI document
});

afterAll(async () => {
  await api?.close();
  await db?.cleanup();
});

const get = (path: string, headers: Record<string, string> = {}) => api.app.request(path, { headers });

describe('dashboard routes', () => {
  it('serves the page at / without a key, with a CSP that allows only this origin', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("style-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const html = await res.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).toContain('href="/assets/app.css"');
    // No inline script or style: the CSP would block them.
    expect(html).not.toMatch(/<script(?![^>]*src=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    // Task types and setting descriptions for the forms, nothing secret.
    expect(html).toContain('simulate');
    expect(html).toContain('rateLimitBackoffSeconds');
    expect(html).not.toContain('dash-key');
  });

  it('builds the client once and serves it with an ETag (304 when unchanged)', async () => {
    const res = await get('/assets/app.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    const body = await res.text();
    expect(body.length).toBeGreaterThan(10_000);
    expect(body).not.toMatch(/from\s*["']hono/); // bundled, no bare imports left for the browser
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/assets/app.js', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('serves the stylesheet and icon without a key', async () => {
    const css = await get('/assets/app.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.account-grid');
    const icon = await get('/assets/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('keeps the API behind the key and the other routes as they were', async () => {
    expect((await get('/api/metrics/concurrency')).status).toBe(401);
    expect((await get('/api/events')).status).toBe(401);
    expect((await get('/api/metrics/concurrency', { authorization: 'Bearer dash-key' })).status).toBe(200);
    const missing = await get('/assets/nothing.js');
    expect(missing.status).toBe(401); // not a dashboard path: the API's rules apply
    const missingWithKey = await get('/assets/nothing.js', { authorization: 'Bearer dash-key' });
    expect(missingWithKey.status).toBe(404);
    expect((await missingWithKey.json()).error.code).toBe('not_found');
    const doc = await get('/openapi.json', { authorization: 'Bearer dash-key' });
    expect(doc.status).toBe(200);
    const { paths } = await doc.json();
    // Every route the API serves is in the document; the page and its assets need no key.
    expect(paths['/api/tasks']).toBeDefined();
    for (const path of ['/', '/assets/app.js', '/assets/app.css', '/assets/favicon.svg']) expect(paths[path].get.security).toEqual([]);
    expect((await get('/docs', { authorization: 'Bearer dash-key' })).status).toBe(200);
    expect((await get('/health/live')).status).toBe(200);
  });
});
