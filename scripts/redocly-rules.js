/**
 * Baton's own Redocly rules (loaded by redocly.yaml).
 *
 * `baton/no-ambiguous-paths`: Redocly's `no-ambiguous-paths` (two paths of as many segments and
 * variables whose fixed segments agree, e.g. /api/accounts/{accountId}/settings and
 * /api/accounts/states/{accountId}: which one does /api/accounts/states/settings mean?), except that a
 * path whose every operation is `deprecated: true` is left out. Baton keeps its old account-collection
 * paths answering for existing clients, documented as deprecated; they are the ambiguity that made the
 * collections move, and the only one allowed. Any ambiguity between current paths is still reported.
 */
const isVariable = (segment) => /^{.+?}$/.test(segment);

function ambiguous(a, b) {
  const pa = a.split('/');
  const pb = b.split('/');
  if (pa.length !== pb.length) return false;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < pa.length; i++) {
    const xa = isVariable(pa[i]);
    const xb = isVariable(pb[i]);
    if (xa) va++;
    if (xb) vb++;
    if (!xa && !xb && pa[i] !== pb[i]) return false;
  }
  return va === vb;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const deprecated = (item) => {
  const operations = METHODS.map((m) => item?.[m]).filter(Boolean);
  return operations.length > 0 && operations.every((op) => op.deprecated === true);
};

function NoAmbiguousCurrentPaths() {
  return {
    Paths(paths, { report, location }) {
      const seen = [];
      for (const [path, item] of Object.entries(paths)) {
        if (deprecated(item)) continue;
        const other = seen.find((p) => ambiguous(p, path));
        if (other) {
          report({
            message: `Paths should resolve unambiguously. Found two ambiguous paths: \`${other}\` and \`${path}\`.`,
            location: location.child([path]).key(),
          });
        }
        seen.push(path);
      }
    },
  };
}

export default function batonRules() {
  return {
    id: 'baton',
    rules: { oas3: { 'no-ambiguous-paths': NoAmbiguousCurrentPaths } },
  };
}
