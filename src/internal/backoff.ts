/**
 * Capped exponential backoff with jitter. `attempt` counts from 0. `jitter` is the share of the
 * delay that is random and taken off the top (Vault Agent takes up to 25 % off), so a fleet that
 * failed together does not retry together.
 */
export function backoffDelay(
  attempt: number,
  options: { minMs: number; maxMs: number; jitter: number },
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 40));
  return Math.round(base * (1 - options.jitter * random()));
}
