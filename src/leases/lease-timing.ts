/**
 * When the lifecycle acts, as pure functions. Renewals follow Vault Agent: about two thirds of
 * the lease, spread by jitter so a fleet does not move in lockstep. Replacements are fetched a
 * share of the lease's TTL before a lease that can no longer be extended runs out.
 */
export function jittered(ms: number, jitter: number, random: () => number = Math.random): number {
  return Math.max(0, ms * (1 + jitter * (2 * random() - 1)));
}

export function renewDelay(ttlMs: number, renewAt: number, jitter: number, random?: () => number): number {
  return jittered(ttlMs * renewAt, jitter, random);
}

/** Delay until a replacement should be fetched for a lease ending at `expiresAt`. */
export function rotationDelay(
  expiresAt: number,
  now: number,
  leaseTtlMs: number,
  rotateBefore: number,
): number {
  return Math.max(0, expiresAt - leaseTtlMs * rotateBefore - now);
}

/** Delay until a certificate valid from `validFrom` to `expiresAt` should be re-issued. */
export function certificateDelay(
  validFrom: number,
  expiresAt: number,
  now: number,
  fraction: number,
  jitter: number,
  random?: () => number,
): number {
  const at = validFrom + jittered((expiresAt - validFrom) * fraction, jitter, random);
  return Math.max(0, Math.min(at, expiresAt) - now);
}

/** Vault granted less than asked: the lease has hit its max TTL and will end early. */
export function isCapped(requestedMs: number, grantedMs: number): boolean {
  return grantedMs < requestedMs - 1_000;
}
