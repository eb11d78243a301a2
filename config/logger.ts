/** Structured JSON logs (pino). Credentials are redacted wherever they might appear. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'baton'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['apiKey', 'apiKeys', 'authorization', 'headers.authorization', 'req.headers.authorization', 'databaseUrl', '*.password'],
      censor: '[redacted]',
    },
  });
}

/** A connection string with its password removed, for log lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}

export type { Logger };
