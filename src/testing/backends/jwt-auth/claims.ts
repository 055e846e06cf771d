import { goQuote } from '../../core/go-format';
import { globMatch } from '../glob';

/**
 * Claim lookups and checks as vault-plugin-auth-jwt's claims.go does them. Go's types decide
 * what compares equal, so values are modelled as Go sees them: a JWT's numbers decode as
 * float64 and getClaim turns them into a json.Number of their integer part, while a role's
 * bound claims keep the JSON numbers the operator wrote. A string "5" never equals a number 5.
 */
export type Claims = Record<string, unknown>;

/** A claim value the way getClaim returns it: numbers become json.Number (integer part, as text). */
export type ClaimValue = string | boolean | GoNumber | unknown[] | Record<string, unknown> | null;

export class GoNumber {
  constructor(readonly text: string) {}
}

export function numberFromClaim(value: number): GoNumber {
  return new GoNumber(String(Math.trunc(value)));
}

/**
 * getClaim: a name starting with "/" is a JSON pointer (RFC 6901, as mitchellh/pointerstructure
 * reads it), anything else a top-level key. A pointer that leads nowhere is simply absent.
 */
export function getClaim(claims: Claims, name: string): ClaimValue | undefined {
  let value: unknown;
  if (!name.startsWith('/')) {
    value = claims[name];
  } else {
    value = claims;
    for (const raw of name.slice(1).split('/')) {
      const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      if (Array.isArray(value)) {
        if (!/^\d+$/.test(part)) return undefined;
        value = value[Number(part)];
      } else if (value !== null && typeof value === 'object') {
        value = (value as Record<string, unknown>)[part];
      } else {
        return undefined;
      }
      if (value === undefined) return undefined;
    }
  }
  return typeof value === 'number' ? numberFromClaim(value) : (value as ClaimValue | undefined);
}

/** normalizeList: a string, bool or number becomes a one-item list; a list stays; anything else fails. */
export function normalizeList(raw: unknown): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string' || typeof raw === 'boolean' || raw instanceof GoNumber) return [raw];
  return undefined;
}

/**
 * A role's bound claims as Vault stores them: its JSON decoder keeps numbers as json.Number
 * with their literal text, so `5` and `5.5` stay what the operator wrote.
 */
export function fromRequestJson(value: unknown): unknown {
  if (typeof value === 'number') return new GoNumber(String(value));
  if (Array.isArray(value)) return value.map(fromRequestJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromRequestJson(v)]));
  }
  return value;
}

/** The reverse, for a role read: json.Number marshals back to a JSON number. */
export function toResponseJson(value: unknown): unknown {
  if (value instanceof GoNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(toResponseJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toResponseJson(v)]));
  }
  return value;
}

/** Go's `==` on interface values: same dynamic type and same value. */
function goEqual(a: unknown, b: unknown): boolean {
  if (a instanceof GoNumber || b instanceof GoNumber) {
    return a instanceof GoNumber && b instanceof GoNumber && a.text === b.text;
  }
  if (typeof a === 'number' || typeof b === 'number') return false;
  return (typeof a === 'string' || typeof a === 'boolean') && a === b;
}

/** fmt's %v of a value, as the plugin's messages print it. */
export function goValue(value: unknown): string {
  if (value instanceof GoNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, v]) => `${k}:${goValue(v)}`).join(' ')}]`;
  }
  return String(value);
}

/** The %e verb applied to a non-float, as the plugin's "not a glob string" message (a format typo) prints it. */
function goBadVerb(value: unknown): string {
  const type = value instanceof GoNumber ? 'json.Number' : typeof value === 'boolean' ? 'bool' : 'string';
  return `%!e(${type}=${goValue(value)})`;
}

/**
 * validateBoundClaims: every bound claim must be present and match one of its values, exactly
 * or (bound_claims_type glob) as a go-glob pattern. Map iteration order is random in Go; the
 * mock checks claims in the order the operator wrote them.
 */
export function validateBoundClaims(
  type: 'string' | 'glob',
  bound: Record<string, unknown>,
  claims: Claims,
): void {
  for (const [claim, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, claim);
    if (actual === undefined || actual === null) throw new Error(`claim ${goQuote(claim)} is missing`);
    const actualValues = normalizeList(actual);
    if (!actualValues) {
      throw new Error(`received claim is not a string, bool, int or list: ${goValue(actual)}`);
    }
    const expectedValues = normalizeList(expected);
    if (!expectedValues) {
      throw new Error(`bound claim is not a string, bool, int or list: ${goValue(expected)}`);
    }
    if (!matchFound(expectedValues, actualValues, type === 'glob')) {
      throw new Error(`claim ${goQuote(claim)} does not match any associated bound claim values`);
    }
  }
}

function matchFound(expected: unknown[], actual: unknown[], useGlobs: boolean): boolean {
  for (const want of expected) {
    for (const have of actual) {
      if (useGlobs) {
        if (typeof want !== 'string')
          throw new Error(`received claim is not a glob string: ${goBadVerb(want)}xpVal`);
        if (typeof have === 'string' && globMatch(want, have)) return true;
      } else if (goEqual(want, have)) {
        return true;
      }
    }
  }
  return false;
}

/** extractMetadata: each mapped claim that is present must be a string. */
export function extractMetadata(claims: Claims, mappings: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const value = getClaim(claims, source);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new Error(`error converting claim '${source}' to string`);
    metadata[target] = value;
  }
  return metadata;
}
