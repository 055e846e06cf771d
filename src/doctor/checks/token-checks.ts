import { type CheckResult, fail, pass } from '../check';
import { duration } from '../format';

/** The token's policies, as the login (or lookup-self) reported them. */
export function checkPolicies(policies: readonly string[], where: string): CheckResult {
  if (policies.includes('root')) {
    return pass(
      'policies',
      `the token has the root policy: it may do anything (fine for a dev server, never for an app)`,
    );
  }
  const own = policies.filter((p) => p !== 'default');
  if (own.length === 0) {
    return fail(
      'policies',
      'the token carries only the default policy, which reads no secrets',
      `attach the app's policies: ${where}`,
    );
  }
  return pass('policies', `the token's policies: ${policies.join(', ')}`);
}

/** Where to insert `data/` to make a KV v2 API path: after each possible mount prefix. */
export function kvDataVariants(path: string): string[] {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  if (segments.includes('data') || segments.length < 2) return [];
  const variants: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    variants.push([...segments.slice(0, i), 'data', ...segments.slice(i)].join('/'));
  }
  return variants;
}

/** The path a KV v2 API path names in policies written without `data/`: the reverse mistake. */
export function kvPlainVariant(path: string): string | undefined {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  const at = segments.indexOf('data');
  if (at < 1 || at === segments.length - 1) return undefined;
  return [...segments.slice(0, at), ...segments.slice(at + 1)].join('/');
}

/** Every path to ask `sys/capabilities-self` about: the ones given and their KV v2 look-alikes. */
export function pathsToAsk(paths: readonly string[]): string[] {
  const all = new Set<string>();
  for (const path of paths) {
    all.add(path);
    for (const v of kvDataVariants(path)) all.add(v);
    const plain = kvPlainVariant(path);
    if (plain) all.add(plain);
  }
  return [...all];
}

const granted = (caps: readonly string[] | undefined) => (caps ?? []).filter((c) => c !== 'deny');

/**
 * One `--path`: what the token may do there. A denied path whose KV v2 twin is allowed (or the
 * reverse) gets the `data/` hint, the most common reason a policy "does not work".
 */
export function checkPath(path: string, capabilities: ReadonlyMap<string, readonly string[]>): CheckResult {
  const id = `path:${path}`;
  const caps = granted(capabilities.get(path));
  if (caps.length > 0) {
    const noRead = !caps.includes('read') && !caps.includes('root');
    return pass(id, `the token has ${caps.join(', ')} on ${path}${noRead ? ' (but not read)' : ''}`);
  }
  for (const variant of kvDataVariants(path)) {
    const twin = granted(capabilities.get(variant));
    if (twin.length > 0) {
      return fail(
        id,
        `the token has no capability on ${path}, but has ${twin.join(', ')} on ${variant}`,
        `on a KV v2 mount, secrets are read at <mount>/data/<name>: use ${variant} (client.secret('${variant}'))`,
      );
    }
  }
  const plain = kvPlainVariant(path);
  if (plain) {
    const twin = granted(capabilities.get(plain));
    if (twin.length > 0) {
      return fail(
        id,
        `the token has no capability on ${path}, but has ${twin.join(', ')} on ${plain}: its policy names the path without data/`,
        `on a KV v2 mount, policies must name the API path: write path "${path}" (or a glob over it) in the policy instead of "${plain}"`,
      );
    }
  }
  return fail(
    id,
    `permission denied on ${path}: none of the token's policies grants anything there`,
    `add a policy rule for ${path} (vault policy read <policy>; vault token capabilities ${path}), check the role's token_policies name existing policies, and that VAULT_NAMESPACE is the namespace the secret lives in`,
  );
}

export interface TokenTimes {
  /** Seconds granted at login; 0 for a token that never expires. */
  ttl: number;
  renewable: boolean;
  /** Seconds; 0 when not periodic. */
  period: number;
  /** Seconds the token can live at most from now (learned by asking for a long renewal), when known. */
  maxTtl: number | undefined;
  type: string;
}

/**
 * TTL against max TTL, and what that means for the client: it renews at about 2/3 of the TTL and
 * logs in again when renewal can no longer extend the token. Leases created with the token die
 * with it, so the token's max TTL also caps every dynamic secret.
 */
export function checkTokenTimes(t: TokenTimes, where: string): CheckResult {
  if (t.ttl === 0) return pass('token-ttl', 'the token never expires (no TTL): nothing to renew');
  const ttl = duration(t.ttl * 1000);
  const renewEvery = duration((t.ttl * 1000 * 2) / 3);
  if (t.ttl < 60) {
    return fail(
      'token-ttl',
      `the token lives ${ttl}: the client would renew or log in again every few seconds, and every login is a TokenReview on the API server`,
      `raise token_ttl on ${where} to minutes at least (e.g. token_ttl=1h token_max_ttl=24h)`,
    );
  }
  if (t.period > 0) {
    return pass(
      'token-ttl',
      `a periodic token (period ${duration(t.period * 1000)}): the client renews it every ~${renewEvery}, indefinitely`,
    );
  }
  if (!t.renewable || t.type === 'batch') {
    return pass(
      'token-ttl',
      `the token lives ${ttl} and cannot be renewed (${t.type === 'batch' ? 'a batch token' : 'not renewable'}): the client logs in again before each expiry; leases it creates end with it`,
    );
  }
  if (t.maxTtl === undefined)
    return pass('token-ttl', `TTL ${ttl}, renewable: the client renews it every ~${renewEvery}`);
  if (t.maxTtl <= t.ttl + 1) {
    return pass(
      'token-ttl',
      `TTL ${ttl} and max TTL the same: renewals cannot extend it, so the client logs in again about every ${renewEvery}; leases it creates (dynamic secrets) end with it`,
    );
  }
  return pass(
    'token-ttl',
    `TTL ${ttl}, renewable up to a max TTL of ${duration(t.maxTtl * 1000)}: the client renews every ~${renewEvery} and logs in again before the max TTL; dynamic secrets' leases cannot outlive it, so the client replaces them at each new login`,
  );
}
