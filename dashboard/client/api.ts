/**
 * The page's requests: Baton's typed client (client/, generated from the OpenAPI document) with the key
 * attached, and errors as ApiFailure in the API's own terms. A path, parameter or field the document does
 * not have fails the type check.
 */
import { createBatonClient } from '../../client';
import { auth, authHeaders, keyRefused } from './auth';

export interface FieldIssue {
  path: string;
  message: string;
}

/** An error answer (`{error: {code, message, details}}`), or a network failure (status 0). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  /** Validation issues by field path, when the API listed them. */
  get issues(): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter((d): d is FieldIssue => typeof d?.path === 'string' && typeof d?.message === 'string');
  }
}

/** The API, on the page's own origin, with the key of this tab. */
export const api = createBatonClient({ apiKey: () => auth.get().key });

/** For ids in links and stream URLs. */
export const enc = encodeURIComponent;

export type Query = Record<string, string | number | undefined | null>;

/** The query without its empty values (a cleared filter), as the API wants them left out. */
export function compact<Q extends Query>(query: Q): { [K in keyof Q]?: Exclude<Q[K], null | ''> } {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')) as never;
}

export function withQuery(path: string, query: Query = {}): string {
  const qs = new URLSearchParams(compact(query) as Record<string, string>).toString();
  return qs ? `${path}?${qs}` : path;
}

function failureOf(res: Response, body: unknown): ApiFailure {
  const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  if (error?.code) return new ApiFailure(res.status, error.code, error.message ?? error.code, error.details ?? null);
  // not the API's error (a proxy's page, say)
  return new ApiFailure(res.status, 'http_error', `the API answered ${res.status} ${res.statusText}`.trim());
}

const networkFailure = (err: unknown) => {
  if ((err as Error).name === 'AbortError') return err;
  return new ApiFailure(0, 'network', 'the API could not be reached; is it running?');
};

/**
 * The answer's data, or an ApiFailure; a 401 asks the person for a key.
 *   const task = await ok(api.GET('/api/tasks/{taskId}', { params: { path: { taskId } } }));
 */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch (err) {
    throw networkFailure(err);
  }
  if (answer.response.ok) return answer.data as T;
  const failure = failureOf(answer.response, answer.error);
  if (answer.response.status === 401) keyRefused(failure.message);
  throw failure;
}

/** A request outside the typed client (a download, read as a blob); errors as in `ok`. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  } catch (err) {
    throw networkFailure(err);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const failure = failureOf(res, body);
    if (res.status === 401) keyRefused(failure.message);
    throw failure;
  }
  return res;
}
