/** Requests to the Baton API: JSON in and out, the key attached, errors as ApiFailure in the API's own terms. */
import { authHeaders, keyRefused } from './auth';

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

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function failureOf(res: Response): Promise<ApiFailure> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.code) return new ApiFailure(res.status, body.error.code, body.error.message ?? body.error.code, body.error.details ?? null);
  } catch {
    // not JSON: a proxy's page, say
  }
  return new ApiFailure(res.status, 'http_error', `the API answered ${res.status} ${res.statusText}`.trim());
}

/** Any request; a 401 asks the person for a key. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure(0, 'network', 'the API could not be reached; is it running?');
  }
  if (!res.ok) {
    const failure = await failureOf(res);
    if (res.status === 401) keyRefused(failure.message);
    throw failure;
  }
  return res;
}

export async function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const res = await request(withQuery(path, query), signal ? { signal } : {});
  return (await res.json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export const enc = encodeURIComponent;
