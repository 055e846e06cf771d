/**
 * A Vault API path as a route template: what spans and metrics may carry. Paths name secrets,
 * roles, keys and lease ids, which are both high-cardinality and sometimes sensitive, so
 * everything the caller chose becomes a placeholder and only Vault's own words stay:
 * `secret/data/myapp/config` -> `{mount}/data/{name}`, `auth/k8s/login` -> `auth/{mount}/login`,
 * `sys/leases/renew` stays as it is.
 */
export function routeTemplate(path: string): string {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  const [first, second] = segments;
  if (first === 'sys') return systemRoute(segments.slice(1));
  if (first === 'auth') {
    if (second === 'token') return fixed('auth/token', segments.slice(2), TOKEN_OPS);
    if (segments.length === 3 && segments[2] === 'login') return 'auth/{mount}/login';
    return segments.length > 2 ? 'auth/{mount}/{path}' : 'auth/{mount}';
  }
  // A secrets engine: the mount may span several segments, so find the first word Vault defines.
  for (let i = 1; i < segments.length; i++) {
    const op = segments[i]!;
    const param = ENGINE_OPS[op];
    if (param !== undefined) return `{mount}/${op}${i < segments.length - 1 ? `/{${param}}` : ''}`;
  }
  return segments.length > 1 ? '{mount}/{path}' : '{mount}';
}

/** Engine operations and what the segment after them names. */
const ENGINE_OPS: Record<string, string> = {
  data: 'name',
  metadata: 'name',
  delete: 'name',
  undelete: 'name',
  destroy: 'name',
  subkeys: 'name',
  creds: 'role',
  'static-creds': 'role',
  'rotate-role': 'role',
  issue: 'role',
  sign: 'role',
  roles: 'role',
  encrypt: 'key',
  decrypt: 'key',
  rewrap: 'key',
  datakey: 'key',
  hmac: 'key',
  verify: 'key',
  keys: 'key',
  cert: 'serial',
  config: 'name',
};

const TOKEN_OPS = new Set([
  'lookup-self',
  'renew-self',
  'revoke-self',
  'lookup',
  'lookup-accessor',
  'renew',
  'renew-accessor',
  'revoke',
  'revoke-accessor',
  'revoke-orphan',
  'create',
  'create-orphan',
  'roles',
  'accessors',
]);

const SYSTEM_OPS = [
  'leases/renew',
  'leases/revoke',
  'leases/revoke-prefix',
  'leases/revoke-force',
  'leases/lookup',
  'renew',
  'revoke',
  'health',
  'seal-status',
  'capabilities-self',
  'capabilities',
  'capabilities-accessor',
  'wrapping/wrap',
  'wrapping/unwrap',
  'wrapping/lookup',
  'mounts',
  'auth',
  'policies/acl',
  'policy',
  'internal/ui/mounts',
  'namespaces',
];

function systemRoute(rest: string[]): string {
  const joined = rest.join('/');
  // Longest first, so leases/revoke-prefix wins over leases/revoke.
  const op = [...SYSTEM_OPS]
    .sort((a, b) => b.length - a.length)
    .find((candidate) => joined === candidate || joined.startsWith(`${candidate}/`));
  if (!op) return rest.length > 0 ? 'sys/{path}' : 'sys';
  return joined === op
    ? `sys/${op}`
    : `sys/${op}/{${op.startsWith('leases') || op === 'renew' || op === 'revoke' ? 'lease_id' : 'path'}}`;
}

function fixed(prefix: string, rest: string[], ops: ReadonlySet<string>): string {
  const [op] = rest;
  if (op === undefined) return prefix;
  if (!ops.has(op)) return `${prefix}/{path}`;
  return rest.length > 1 ? `${prefix}/${op}/{name}` : `${prefix}/${op}`;
}
