import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Acl } from '../../src/testing/policy/acl';
import { parsePolicy } from '../../src/testing/policy/parse-policy';
import type { Capability } from '../../src/testing/policy/types';
import { check } from './support';

/*
 * The mock's ACL against a reference written straight from Vault's policy documentation
 * ("Priority matching") and vault/acl.go, checked over policy sets built from a tiny alphabet so
 * that patterns collide, tie and shadow each other often, and so that a counterexample shrinks
 * to a few short rules and one path.
 */

const GRANTS = ['create', 'read', 'update', 'delete', 'list', 'sudo', 'patch'] as const;

interface Rule {
  pattern: string;
  caps: string[];
}

/** Vault's parser: one leading `/` dropped; `+` segments make a segment-wildcard pattern. */
function classify(written: string) {
  const pattern = written.startsWith('/') ? written.slice(1) : written;
  const segmentWildcards = pattern === '+' || pattern.includes('/+') || pattern.startsWith('+/');
  const glob = pattern.endsWith('*');
  return { pattern, segmentWildcards, glob, exact: !segmentWildcards && !glob };
}

/** What a glob matches, as a regular expression: `+` one segment (possibly empty), a trailing `*` anything. */
function globRegex(pattern: string): RegExp {
  const stem = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  const body = stem
    .split('/')
    .map((s) => (s === '+' ? '[^/]*' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}${pattern.endsWith('*') ? '.*' : ''}$`);
}

/**
 * The documented order, as a tuple where greater wins: (1) the first `+` or `*` comes later
 * (vault/acl.go takes the first `+` character of the pattern, even one inside a literal segment),
 * (2) not ending in `*`, (3) fewer `+` segments, (4) longer, (5) lexicographically greater.
 */
function rank(pattern: string): (number | string)[] {
  const stem = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  const plus = pattern.indexOf('+');
  const first = classify(pattern).segmentWildcards && plus >= 0 ? plus : stem.length;
  return [
    first,
    pattern.endsWith('*') ? 0 : 1,
    -stem.split('/').filter((s) => s === '+').length,
    stem.length,
    stem,
  ];
}
const outranks = (a: string, b: string) => {
  const [ra, rb] = [rank(a), rank(b)];
  const i = ra.findIndex((v, k) => v !== rb[k]);
  return i >= 0 && ra[i]! > rb[i]!;
};

/** Capabilities Vault grants on `path` to a token with these policies, the slow and obvious way. */
function reference(policies: Rule[][], path: string, list: boolean): string[] {
  // The same pattern in several policies: capabilities are united, and deny wins over all.
  const merged = new Map<string, Set<string>>();
  for (const { pattern: written, caps } of policies.flat()) {
    const { pattern } = classify(written);
    const have = merged.get(pattern) ?? new Set<string>();
    merged.set(
      pattern,
      have.has('deny') || caps.includes('deny') ? new Set(['deny']) : new Set([...have, ...caps]),
    );
  }
  const patterns = [...merged.keys()];
  const clean = path.replace(/^\/+/, '');
  const bare = clean.endsWith('/') ? clean.slice(0, -1) : clean;
  const exact = (p: string) => patterns.find((pat) => classify(pat).exact && pat === p);
  const bestGlob = (p: string) =>
    patterns
      .filter((pat) => !classify(pat).exact && globRegex(pat).test(p))
      .reduce<string | undefined>(
        (best, pat) => (best === undefined || outranks(pat, best) ? pat : best),
        undefined,
      );
  // An exact rule wins outright; LIST also takes the rule for the path without its trailing
  // slash, and (as the mock documents for Vault, unlike OpenBao) tries globs on that path first.
  const winner =
    exact(clean) ??
    (list ? exact(bare) : undefined) ??
    (list && bare !== clean ? bestGlob(bare) : undefined) ??
    bestGlob(clean);
  const caps = winner === undefined ? new Set<string>() : merged.get(winner)!;
  return caps.has('deny') || caps.size === 0 ? ['deny'] : [...caps].sort();
}

const segment = fc.constantFrom('a', 'b', 'ab', '+', '+', 'a+');
const pattern = fc
  .record({
    segments: fc.array(segment, { minLength: 1, maxLength: 3 }),
    end: fc.constantFrom('', '', '*', '/*', '/'),
    slash: fc.boolean(),
  })
  .map(({ segments, end, slash }) => {
    const body = segments.join('/');
    // Vault refuses `+*`; a glob after a `+` segment has to start a segment of its own.
    const tail = end === '*' && body.endsWith('+') ? '/*' : end;
    return `${slash ? '/' : ''}${body}${tail}`;
  });
const caps: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 5, arbitrary: fc.subarray([...GRANTS]) },
  { weight: 1, arbitrary: fc.constant<string[]>(['deny']) },
  { weight: 1, arbitrary: fc.subarray([...GRANTS]).map((c) => [...c, 'deny']) },
);
const policies: fc.Arbitrary<Rule[][]> = fc.array(
  fc.array(fc.record({ pattern, caps }), { minLength: 1, maxLength: 4 }),
  {
    minLength: 1,
    maxLength: 3,
  },
);
const requestPath = fc
  .record({
    segments: fc.array(fc.constantFrom('a', 'b', 'ab', 'abc', 'a+', 'c'), { maxLength: 4 }),
    trailing: fc.boolean(),
    leading: fc.constantFrom('', '', '', '/'),
  })
  .map(({ segments, trailing, leading }) => `${leading}${segments.join('/')}${trailing ? '/' : ''}`);

/**
 * Two globs over the same path that differ only in where their `+` segments sit: the near-ties
 * that only priority rules 3 to 5 decide, which random patterns rarely produce.
 */
const tie = fc
  .record({
    path: fc.array(fc.constantFrom('a', 'b'), { minLength: 2, maxLength: 4 }),
    masks: fc.tuple(
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    ),
    end: fc.constantFrom('', '*', '/*'),
    caps: fc.tuple(caps, caps),
  })
  .map(({ path, masks, end, caps: [c0, c1] }) => {
    const glob = (mask: boolean[]) => {
      const body = path.map((s, i) => (mask[i] ? '+' : s)).join('/');
      const tail = end === '*' && body.endsWith('+') ? '/*' : end;
      // A pattern with no `+` left would be exact or a plain prefix: still a fair competitor.
      return `${body}${tail}`;
    };
    return {
      rules: [
        { pattern: glob(masks[0]), caps: c0 },
        { pattern: glob(masks[1]), caps: c1 },
      ],
      path: path.join('/'),
    };
  });

const hcl = (rules: Rule[]) =>
  rules.map((r) => `path "${r.pattern}" { capabilities = ${JSON.stringify(r.caps)} }`).join('\n');

describe('the mock Vault ACL against a reference of Vault rules', () => {
  it('grants exactly what the reference grants (1,500 policy sets, 4 paths each)', async () => {
    await check(
      fc.property(policies, fc.array(requestPath, { minLength: 1, maxLength: 4 }), (sets, paths) => {
        const acl = new Acl(sets.map((rules, i) => parsePolicy(`p${i}`, hcl(rules))));
        const policyText = sets.map(hcl);
        for (const path of paths) {
          // The policies ride along in each comparison so a failure prints them next to the path.
          const want = reference(sets, path, true);
          expect({ policyText, path, capabilities: acl.capabilities(path) }).toEqual({
            policyText,
            path,
            capabilities: want,
          });
          for (const capability of ['read', 'list', 'update', 'sudo'] as Capability[]) {
            const granted = reference(sets, path, capability === 'list').includes(capability);
            expect({ policyText, path, capability, allowed: acl.allows(path, capability) }).toEqual({
              policyText,
              path,
              capability,
              allowed: granted,
            });
          }
        }
      }),
      1_500,
    );
  });

  it('breaks near-ties as the reference does (1,000 pairs of globs on one path)', async () => {
    await check(
      fc.property(tie, policies, fc.boolean(), ({ rules, path }, others, trailing) => {
        const sets = [rules, ...others.slice(0, 1)];
        const probe = trailing ? `${path}/` : path;
        const acl = new Acl(sets.map((set, i) => parsePolicy(`p${i}`, hcl(set))));
        const policyText = sets.map(hcl);
        expect({ policyText, probe, capabilities: acl.capabilities(probe) }).toEqual({
          policyText,
          probe,
          capabilities: reference(sets, probe, true),
        });
        expect({ policyText, probe, read: acl.allows(probe, 'read') }).toEqual({
          policyText,
          probe,
          read: reference(sets, probe, false).includes('read'),
        });
      }),
      1_000,
    );
  });

  it('gives a root policy everything, whatever else is attached', async () => {
    await check(
      fc.property(policies, requestPath, (sets, path) => {
        const acl = new Acl([
          { name: 'root', rules: [] },
          ...sets.map((rules, i) => parsePolicy(`p${i}`, hcl(rules))),
        ]);
        expect(acl.capabilities(path)).toEqual(['root']);
        expect(acl.allows(path, 'sudo')).toBe(true);
      }),
      200,
    );
  });

  // The documentation's rules one by one: [read-only pattern, list-only pattern] in one policy.
  const pair = (read: string, list: string): Rule[][] => [
    [
      { pattern: read, caps: ['read'] },
      { pattern: list, caps: ['list'] },
    ],
  ];
  it.each<[string, Rule[][], string, string[]]>([
    ['an exact rule beats any glob', pair('a/*', 'a/b'), 'a/b', ['list']],
    ['a later first wildcard wins', pair('a*', '+/b'), 'ab/b', ['read']],
    ['not ending in * wins', pair('a/+', 'a/*'), 'a/b', ['read']],
    ['fewer + segments win', pair('a/+/+', 'a/+/b'), 'a/a/b', ['list']],
    ['longer wins', pair('a/+/a*', 'a/+/ab*'), 'a/b/abc', ['list']],
    ['lexicographically greater wins', pair('+/a/+', '+/+/b'), 'x/a/b', ['read']],
    [
      'the same pattern in two policies is united',
      [[{ pattern: 'a/*', caps: ['read'] }], [{ pattern: 'a/*', caps: ['list'] }]],
      'a/b',
      ['list', 'read'],
    ],
    [
      'deny on the same pattern wins',
      [[{ pattern: 'a/*', caps: ['read', 'sudo'] }], [{ pattern: 'a/*', caps: ['deny'] }]],
      'a/b',
      ['deny'],
    ],
  ])('%s', (_name, sets, path, want) => {
    expect(reference(sets, path, true)).toEqual(want);
    const acl = new Acl(sets.map((rules, i) => parsePolicy(`p${i}`, hcl(rules))));
    expect(acl.capabilities(path)).toEqual(want);
  });
});
