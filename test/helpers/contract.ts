/**
 * The contract check: every answer the API gives in the tests is checked against the OpenAPI document it
 * serves, for its operation and status. An undocumented status, media type or field (response schemas are
 * closed: `additionalProperties: false`) throws a ContractViolation, which fails the test that made the
 * request (through `app.request()`), or answers 500 and is printed (over real HTTP).
 *
 * `enforceContract(app)` wraps the app's fetch handler, so `app.request()`, `call()` and a server started
 * with `listen(app.fetch)` are all checked. Event streams are checked message by message as they pass.
 *
 * Why ajv on the document rather than the routes' zod schemas: the document is the contract clients
 * generate from, so checking it catches a schema that does not survive the conversion to JSON Schema, the
 * routes that have no zod schema (health, /metrics, the dashboard), and the statuses no handler declares
 * (401, 413, 429 and 503 come from middleware and the error handler). Ajv is the JSON Schema validator
 * most of the ecosystem builds on, with draft 2020-12, the dialect of OpenAPI 3.1.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { createParser } from 'eventsource-parser';
import { servedDocument } from '../../scripts/served-document';

type Json = Record<string, unknown>;
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  variables: number;
  pointer: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Json }> }>;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => void;
const escapePointer = (s: string) => encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'));

interface Contract {
  operations: Operation[];
  validator(pointer: string): ValidateFunction;
  /** The part of the document at `openapi.json#/…`. */
  at(pointer: string): Json;
}

let contract: Promise<Contract> | null = null;

async function load(): Promise<Contract> {
  const document = await servedDocument();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        variables: names.length,
        pointer: `openapi.json#/paths/${escapePointer(template)}/${method}/responses`,
        responses: op.responses as Operation['responses'],
      });
    }
  }
  const compiled = new Map<string, ValidateFunction>();
  return {
    operations,
    at(pointer) {
      const parts = pointer.replace(/^openapi\.json#\//, '').split('/').map((p) => decodeURIComponent(p).replaceAll('~1', '/').replaceAll('~0', '~'));
      return parts.reduce<Json>((node, part) => node[part] as Json, document);
    },
    validator(pointer) {
      let v = compiled.get(pointer);
      if (!v) compiled.set(pointer, (v = ajv.compile({ $ref: pointer })));
      return v;
    },
  };
}

/**
 * The operation a request reaches: among the documented paths that match, the one with fewest variables
 * (a concrete segment wins), then the first in the document (where the routes' precedence puts the
 * current paths before the deprecated ones).
 */
function operationFor(c: Contract, method: string, path: string): Operation | undefined {
  const matches = c.operations.filter((o) => o.method === method && o.pattern.test(path));
  return matches.sort((a, b) => a.variables - b.variables)[0];
}

const mediaType = (header: string | null) => (header ?? '').split(';')[0]!.trim().toLowerCase();

function fail(what: string, method: string, path: string, status: number, detail: string): never {
  throw new ContractViolation(`${method} ${path} → ${status}: ${what}\n${detail}`);
}

function validate(c: Contract, pointer: string, value: unknown, where: () => string) {
  const v = c.validator(pointer);
  if (!v(value)) {
    const errors = (v.errors ?? []).slice(0, 8).map((e) => `  ${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
    throw new ContractViolation(`${where()}\n${errors.join('\n')}\nvalue: ${JSON.stringify(value).slice(0, 600)}`);
  }
}

/** Checks one answer; streams are checked as they are read (the Response returned tees them). */
export async function checkAnswer(request: Request, response: Response): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method === 'HEAD' || method === 'OPTIONS') return response; // derived from GET / CORS preflight
  const c = await (contract ??= load());
  const path = new URL(request.url).pathname;
  const status = response.status;
  const op = operationFor(c, method, path);
  const type = mediaType(response.headers.get('content-type'));
  const readJson = async () => {
    const text = await response.clone().text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return fail('the body is not JSON', method, path, status, text.slice(0, 300));
    }
  };
  if (!op) {
    // No operation at this path: only the answers every path can get (not found, the key, the rate limit).
    if (![401, 404, 429].includes(status) || type !== 'application/json') fail('no documented operation answers this', method, path, status, type);
    validate(c, 'openapi.json#/components/schemas/Error', await readJson(), () => `${method} ${path} → ${status}: not the error shape`);
    return response;
  }
  // A response may be a reference to a shared one (components.responses).
  const answer = op.responses[String(status)];
  const base = answer?.$ref ? `openapi.json${answer.$ref}` : `${op.pointer}/${status}`;
  const documented = answer?.$ref ? (c.at(base) as Operation['responses'][string]) : answer;
  if (!documented) fail(`status not documented for ${op.method} ${op.template} (documented: ${Object.keys(op.responses).join(', ')})`, method, path, status, '');
  const content = documented.content ?? {};
  if (Object.keys(content).length === 0) {
    const text = response.body ? await response.clone().text() : '';
    if (text) fail('a body where the document says none', method, path, status, text.slice(0, 200));
    return response;
  }
  const media = content[type];
  if (!media) fail(`media type ${type || '(none)'} not documented (documented: ${Object.keys(content).join(', ')})`, method, path, status, '');
  const pointer = `${base}/content/${escapePointer(type)}/schema`;
  const where = () => `${method} ${path} → ${status} (${op.method} ${op.template}): the body does not match the document`;
  if (type === 'application/json') validate(c, pointer, await readJson(), where);
  if (type === 'text/event-stream' && response.body) return checkedStream(c, pointer, response, `${method} ${path}`);
  return response;
}

/** The stream as it is read, each message checked: its SSE fields against the message schema, its data against contentSchema. */
function checkedStream(c: Contract, pointer: string, response: Response, what: string): Response {
  let violation: ContractViolation | null = null;
  const parser = createParser({
    onEvent(message) {
      if (violation) return;
      // This message's own fields (eventsource-parser gives `id` only when the message has one).
      const fields = { ...(message.id === undefined ? {} : { id: message.id }), event: message.event ?? 'message', data: message.data };
      try {
        validate(c, pointer, fields, () => `${what}: a stream message does not match the document`);
        const data = JSON.parse(message.data) as unknown;
        const schemaRef = messageVariants(c, pointer).find((v) => v.events.includes(fields.event))?.data;
        if (!schemaRef) throw new ContractViolation(`${what}: no message variant for event ${fields.event}`);
        validate(c, `openapi.json${schemaRef}`, data, () => `${what}: the data of a \`${fields.event}\` message does not match ${schemaRef}`);
      } catch (err) {
        violation = err instanceof ContractViolation ? err : new ContractViolation(`${what}: ${(err as Error).message}`);
        console.error(violation.message);
      }
    },
  });
  const decoder = new TextDecoder();
  const body = response.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (violation) controller.error(violation);
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The message schema's variants: which events each allows, and the `#/…` reference of its data's contentSchema. */
function messageVariants(c: Contract, pointer: string): { events: string[]; data: string }[] {
  const resolve = (schema: Json): Json => (typeof schema.$ref === 'string' ? resolve(c.at(`openapi.json${schema.$ref}`)) : schema);
  const message = resolve(c.at(pointer));
  const variants = ((message.anyOf ?? message.oneOf ?? [message]) as Json[]).map(resolve);
  return variants.map((v) => {
    const props = v.properties as Record<string, Json>;
    return { events: props.event!.enum as string[], data: (props.data!.contentSchema as Json).$ref as string };
  });
}

type FetchHandler = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/**
 * Checks every answer of this app from now on: its fetch handler (which `app.request()` calls too) is
 * wrapped. A violation rejects the request with a ContractViolation, and is printed.
 */
export function enforceContract<A extends { fetch: FetchHandler }>(app: A): A {
  const original = app.fetch.bind(app) as (...args: unknown[]) => Response | Promise<Response>;
  const checked = async (request: Request, ...rest: unknown[]) => {
    const response = await original(request, ...rest);
    try {
      return await checkAnswer(request, response);
    } catch (err) {
      if (err instanceof ContractViolation) console.error(err.message);
      throw err;
    }
  };
  (app as { fetch: unknown }).fetch = checked;
  return app;
}
