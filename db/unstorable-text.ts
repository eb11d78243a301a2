/**
 * Characters Postgres cannot store: a NUL (in `text` and `jsonb`) and a lone UTF-16 surrogate (`jsonb`
 * refuses its `\uD800` escape; in `text` it would silently become U+FFFD). The intake refuses them; the
 * ledger's writers replace them in text Baton itself composes.
 */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const SOURCE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.source;

export function hasUnstorableChars(s: string): boolean {
  return new RegExp(SOURCE).test(s);
}

export function replaceUnstorableChars(s: string): string {
  return s.replace(new RegExp(SOURCE, 'g'), '\uFFFD');
}
