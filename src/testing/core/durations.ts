import { humanDuration } from './go-format';
import { badRequest } from './vault-error';

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
