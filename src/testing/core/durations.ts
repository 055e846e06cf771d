import { badRequest } from './vault-error';

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/**
 * Seconds from what Vault accepts for a duration field: an integer, a numeric string, or a Go
 * duration such as "1h30m" (plus Vault's "d" suffix). Vault truncates to whole seconds.
 */
export function parseDuration(value: unknown, field = 'ttl'): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
    const seconds = parseGoDuration(text);
    if (seconds !== undefined) return Math.trunc(seconds);
  }
  throw badRequest(
    `error converting input ${String(value)} for field "${field}": time: invalid duration "${String(value)}"`,
  );
}

function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body === '') return undefined;
  for (let match = re.exec(body); match; match = re.exec(body)) {
    total += Number.parseFloat(match[1]!) * UNIT_SECONDS[match[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === body.length ? sign * total : undefined;
}

/** Go's Duration.String() with zero trailing units dropped, as Vault prints TTLs in warnings. */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const negative = seconds < 0;
  let rest = Math.abs(Math.trunc(seconds));
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  let text = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  if (text.endsWith('m0s')) text = text.slice(0, -2);
  if (text.endsWith('h0m')) text = text.slice(0, -2);
  return (negative ? '-' : '') + text;
}

export interface TtlInput {
  /** Requested increment in seconds (0 = none). */
  increment: number;
  /** Backend or role TTL in seconds (0 = none). */
  backendTtl: number;
  period: number;
  backendMaxTtl: number;
  explicitMaxTtl: number;
  /** When the lease or token was first issued, in ms. */
  issuedAt: number;
  now: number;
  mountDefaultTtl: number;
  mountMaxTtl: number;
}

/**
 * Vault's framework.CalculateTTL: the TTL a new or renewed lease gets, capped at its max TTL
 * counted from the original issue time, with the warnings Vault attaches when it caps.
 */
export function calculateTtl(input: TtlInput): { ttl: number; warnings: string[] } {
  const warnings: string[] = [];
  const now = Math.floor(input.now / 1000);
  const start = Math.floor(input.issuedAt / 1000);
  let maxTtl = input.mountMaxTtl;
  if (input.backendMaxTtl > 0 && input.backendMaxTtl < maxTtl) maxTtl = input.backendMaxTtl;
  if (input.explicitMaxTtl > 0 && input.explicitMaxTtl < maxTtl) maxTtl = input.explicitMaxTtl;

  let ttl: number;
  let maxValid: number | undefined;
  if (input.period > 0) {
    let period = input.period;
    if (period > maxTtl) {
      warnings.push(
        `period of "${humanDuration(period)}" exceeded the effective max_ttl of "${humanDuration(maxTtl)}"; period value is capped accordingly`,
      );
      period = maxTtl;
    }
    ttl = period;
    if (input.explicitMaxTtl > 0) maxValid = start + input.explicitMaxTtl;
  } else {
    ttl =
      input.increment > 0 ? input.increment : input.backendTtl > 0 ? input.backendTtl : input.mountDefaultTtl;
    maxValid = start + maxTtl;
  }
  if (maxValid !== undefined) {
    const remaining = maxValid - now;
    if (remaining <= 0) throw badRequest('past the max TTL, cannot renew');
    if (remaining < ttl) {
      warnings.push(
        `TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(remaining)}"; TTL value is capped accordingly`,
      );
      ttl = remaining;
    }
  }
  return { ttl, warnings };
}

/** 768h: Vault's system default and maximum lease TTL. */
export const SYSTEM_MAX_TTL = 768 * 3600;
