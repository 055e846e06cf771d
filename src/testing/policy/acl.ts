import type { Capability, Policy } from './types';

/*
 * Vault's ACL (vault/acl.go NewACL, AllowOperation, CheckAllowedFromNonExactPaths), rebuilt from
 * its behaviour: rules are merged per pattern across policies (union, deny absorbs), then a request
 * path is matched exact-first, else by the highest-priority glob or `+` pattern.
 */

const BIT: Record<Capability, number> = {
  deny: 1,
  create: 2,
  read: 4,
  update: 8,
  delete: 16,
  list: 32,
  sudo: 64,
  patch: 128,
  subscribe: 256,
  recover: 512,
};
const DENY = BIT.deny;
const GRANTS = (Object.keys(BIT) as Capability[]).filter((c) => c !== 'deny').sort();

/** Why a candidate wins: compared field by field, in Vault's documented priority order. */
interface Candidate {
  firstWildcard: number;
  isPrefix: boolean;
  wildcards: number;
  stem: string;
  bits: number;
}

/** True when `a` has lower priority than `b` (Vault's `less`, used to sort and take the last). */
function lower(a: Candidate, b: Candidate): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards;
  if (a.stem.length !== b.stem.length) return a.stem.length < b.stem.length;
  return a.stem < b.stem;
}

export interface AllowOptions {
  /**
   * Match as a LIST request does (exact rule without the trailing `/`, then globs on the path
   * without it). Defaults to `capability === 'list'`; pass it for a sudo check made on behalf
   * of a list request, because Vault takes sudo from the rule that matched the operation.
   */
  list?: boolean;
}

export class Acl {
  /** A policy named `root` grants everything; Vault drops every other policy next to it. */
  readonly isRoot: boolean;
  readonly #exact = new Map<string, number>();
  readonly #prefix = new Map<string, number>();
  readonly #segment = new Map<string, number>();

  constructor(policies: readonly Policy[]) {
    this.isRoot = policies.some((policy) => policy.name === 'root');
    for (const policy of policies) {
      for (const rule of policy.rules) {
        // Identity templating needs the token's entity, which the mock never has; Vault skips
        // such paths when templating fails, so they grant nothing.
        if (rule.templated) continue;
        const bits = rule.capabilities.reduce((acc, capability) => acc | BIT[capability], 0);
        if (rule.hasSegmentWildcards) merge(this.#segment, rule.path, bits);
        else if (rule.isPrefix) merge(this.#prefix, rule.path.slice(0, -1), bits);
        else merge(this.#exact, rule.path, bits);
      }
    }
  }

  /** sys/capabilities-self semantics: sorted names, `['root']`, or `['deny']` if nothing is granted. */
  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    // Vault answers this with a LIST-operation lookup, so LIST's fallbacks apply.
    const bits = this.#match(path, true) ?? 0;
    const granted = bits & DENY ? [] : GRANTS.filter((capability) => bits & BIT[capability]);
    return granted.length > 0 ? granted : ['deny'];
  }

  /** Whether a request needing `capability` on `path` passes the ACL (`deny` is never "allowed"). */
  allows(path: string, capability: Capability, options: AllowOptions = {}): boolean {
    if (this.isRoot) return true;
    if (capability === 'deny') return false;
    const bits = this.#match(path, options.list ?? capability === 'list') ?? 0;
    return (bits & DENY) === 0 && (bits & BIT[capability]) !== 0;
  }

  /**
   * hasMountAccess (logical_system.go): any capability on the mount path itself, or any exact or
   * glob rule below it granting something without deny. `+` rules are not walked, as in Vault.
   */
  hasMountAccess(mountPath: string): boolean {
    if (this.isRoot) return true;
    if (!this.capabilities(mountPath).includes('deny')) return true;
    const grants = (rules: Map<string, number>) =>
      [...rules].some(([stem, bits]) => stem.startsWith(mountPath) && !(bits & DENY) && bits !== 0);
    return grants(this.#exact) || grants(this.#prefix);
  }

  #match(requestPath: string, list: boolean): number | undefined {
    const path = requestPath.replace(/^\/+/, '');
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
    const exact = this.#exact.get(path) ?? (list ? this.#exact.get(trimmed) : undefined);
    if (exact !== undefined) return exact;
    // Vault tries the slash-less path first for LIST, so `foo/*` grants `LIST foo/` (OpenBao
    // reversed this order in 2026 to stop a shorter glob beating a deeper deny).
    if (list && path !== trimmed) {
      const bits = this.#nonExact(trimmed);
      if (bits !== undefined) return bits;
    }
    return this.#nonExact(path);
  }

  #nonExact(path: string): number | undefined {
    let best: Candidate | undefined;
    for (const [stem, bits] of this.#prefix) {
      // Only the longest matching prefix takes part, as Vault's radix LongestPrefix lookup.
      if (path.startsWith(stem) && (!best || stem.length > best.stem.length)) {
        best = { firstWildcard: stem.length, isPrefix: true, wildcards: 0, stem, bits };
      }
    }
    const parts = path.split('/');
    for (const [pattern, bits] of this.#segment) {
      const candidate = matchSegments(pattern, parts, bits);
      if (candidate && (!best || lower(best, candidate))) best = candidate;
    }
    return best?.bits;
  }
}

function merge(rules: Map<string, number>, key: string, bits: number): void {
  const existing = rules.get(key);
  if (existing === undefined) rules.set(key, bits);
  else if (!(existing & DENY)) rules.set(key, bits & DENY ? DENY : existing | bits);
}

/** A `+` pattern against the request's segments; a trailing `*` prefix-matches the last one onwards. */
function matchSegments(pattern: string, parts: string[], bits: number): Candidate | undefined {
  const isPrefix = pattern.endsWith('*');
  const stem = isPrefix ? pattern.slice(0, -1) : pattern;
  const segments = stem.split('/');
  if (parts.length < segments.length || (!isPrefix && parts.length !== segments.length)) return undefined;
  let wildcards = 0;
  for (const [i, segment] of segments.entries()) {
    const part = parts[i]!;
    if (segment === '+') wildcards++;
    else if (segment !== part && !(isPrefix && i === segments.length - 1 && part.startsWith(segment)))
      return undefined;
  }
  return { firstWildcard: pattern.indexOf('+'), isPrefix, wildcards, stem, bits };
}
