/**
 * The OpenAPI document as the contract, from `createApp(...)` with stand-in dependencies (no server, no
 * database, no Temporal): exactly what `/openapi.json` serves.
 *
 *   tsx scripts/openapi.ts generate   writes client/openapi.json and the client's types, client/openapi-types.ts
 *                                      (`npm run generate:client`)
 *   tsx scripts/openapi.ts check      fails when either committed file differs from what the code serves
 *   tsx scripts/openapi.ts lint       check, then Redocly's recommended rules on client/openapi.json
 *                                      (`npm run lint:openapi`, part of `npm test`; no network)
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { servedDocument } from './served-document';

const root = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));
export const DOCUMENT_FILE = 'client/openapi.json';
export const TYPES_FILE = 'client/openapi-types.ts';

const HEADER = `/**
 * Generated from the OpenAPI document (client/openapi.json) by openapi-typescript: do not edit.
 * \`npm run generate:client\` writes it again; \`npm run lint:openapi\` (in \`npm test\`) fails while it is stale.
 */
`;

/** The two committed files' contents, as the code now serves the document. */
export async function generatedFiles(): Promise<Record<string, string>> {
  const document = await servedDocument();
  const ast = await openapiTS(document as never, { enumValues: true, silent: true });
  return {
    [DOCUMENT_FILE]: `${JSON.stringify(document, null, 2)}\n`,
    [TYPES_FILE]: HEADER + astToString(ast),
  };
}

async function stale(): Promise<string[]> {
  const out: string[] = [];
  for (const [file, text] of Object.entries(await generatedFiles())) {
    const committed = await readFile(root(file), 'utf8').catch(() => null);
    if (committed !== text) out.push(file);
  }
  return out;
}

async function main(command: string | undefined) {
  switch (command) {
    case 'generate':
      for (const [file, text] of Object.entries(await generatedFiles())) {
        await writeFile(root(file), text);
        console.log(`wrote ${file}`);
      }
      return 0;
    case 'check':
    case 'lint': {
      const files = await stale();
      if (files.length) {
        console.error(`${files.join(' and ')} ${files.length > 1 ? 'differ' : 'differs'} from the document the API serves: run \`npm run generate:client\` and commit the result.`);
        return 1;
      }
      if (command === 'check') return 0;
      // Redocly CLI, offline: no telemetry, no update check.
      const lint = spawnSync('redocly', ['lint', DOCUMENT_FILE], {
        cwd: root('.'),
        stdio: 'inherit',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
      return lint.status ?? 1;
    }
    default:
      console.error('usage: tsx scripts/openapi.ts generate | check | lint');
      return 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(await main(process.argv[2]));
}
