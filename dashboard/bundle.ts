/**
 * Builds the dashboard's client (dashboard/client/, TypeScript + hono/jsx/dom) into one ES module with
 * esbuild, in memory, once per process: there is no build step to forget and nothing fetched at run
 * time. The stylesheets (the dashboard's, uPlot's, the charts') are joined into one; the icon is served as it is.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  body: string;
  type: string;
  etag: string;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

async function buildScript(): Promise<Asset> {
  const result = await build({
    entryPoints: [here('./client/main.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx/dom',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const body = result.outputFiles[0]!.text;
  return { body, type: 'text/javascript; charset=utf-8', etag: etagOf(body) };
}

async function readAsset(file: string, type: string): Promise<Asset> {
  const body = await readFile(here(file), 'utf8');
  return { body, type, etag: etagOf(body) };
}

/**
 * The stylesheet: the dashboard's own, then the chart library's (uPlot: its legend, cursor and axes are
 * elements styled by class) and the charts' own, in one file so the page loads one.
 */
async function readStyles(): Promise<Asset> {
  const require = createRequire(import.meta.url);
  const parts = await Promise.all([here('./styles.css'), require.resolve('uplot/dist/uPlot.min.css'), here('./charts.css')].map((f) => readFile(f, 'utf8')));
  const body = parts.join('\n');
  return { body, type: 'text/css; charset=utf-8', etag: etagOf(body) };
}

export const ASSET_FILES = {
  '/assets/app.js': () => buildScript(),
  '/assets/app.css': () => readStyles(),
  '/assets/favicon.svg': () => readAsset('./favicon.svg', 'image/svg+xml'),
} as const;

export type AssetPath = keyof typeof ASSET_FILES;

let cache: Map<AssetPath, Promise<Asset>> | null = null;

/** The asset, built or read on first use and kept; a failed build is retried on the next request. */
export function asset(path: AssetPath): Promise<Asset> {
  cache ??= new Map();
  let pending = cache.get(path);
  if (!pending) {
    pending = ASSET_FILES[path]();
    cache.set(path, pending);
    pending.catch(() => cache?.delete(path));
  }
  return pending;
}
