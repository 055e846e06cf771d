import { backoffDelay as exponentialBackoff } from '../internal/backoff';

/**
 * When upkeep acts, as pure functions of durations. Renewals follow Vault Agent: about two thirds
 * of the TTL, spread by jitter so a fleet does not move in lockstep. Before every hard end (a
 * lease's max TTL, a lease that cannot be renewed, a token's max TTL) the replacement comes early
 * enough that the old credentials outlive the handover by the drain window (`secrets.drainMs`).
 */

/** Vault Agent takes up to a quarter off each backoff step, so a fleet that failed together does not retry together. */
export const BACKOFF_JITTER = 0.25;

/**
 * Vault answers TTLs in whole seconds, so a renewal granted up to a second less than asked is
 * rounding; more than that and Vault has capped it at the max TTL.
 */
export const CAPPED_SLACK_MS = 1_000;

/**
 * The lead before a hard end takes at most this share of the TTL. Renewals come at two thirds of
 * it, so when one turns out capped at least a third is left: a longer lead could not be honoured.
 */
export const MAX_LEAD_SHARE = 1 / 3;

/**
 * A fleet started together renews first anywhere in this band of the TTL (full jitter), ending at
 * `renewAt`: pods that logged in at one instant spread their first renewals over a third of the
 * TTL (from a third to two thirds, by default) instead of piling onto Vault within the ±jitter
 * around two thirds. Half the steady cycle: the first round runs at about twice the steady rate.
 * Renewing early is always safe; it costs a renewal a little sooner, once.
 */
export const FIRST_RENEWAL_BAND = 1 / 3;

/** `ms` spread by ±`jitter` of itself; never negative. Delays here are whole milliseconds, rounded to the nearest. */
export function jittered(ms: number, jitter: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (1 + jitter * (2 * random() - 1))));
}

/** Capped exponential backoff (the one implementation, internal/backoff.ts) with upkeep's jitter. */
export function backoffDelay(
  attempt: number,
  options: { minMs: number; maxMs: number },
  random: () => number,
  jitter = BACKOFF_JITTER,
): number {
  return exponentialBackoff(Math.max(0, attempt), { ...options, jitter }, random);
}

export interface Lead {
  /** How long before a hard end the replacement is handed over. */
  leadMs: number;
  /** The drain window did not fit the TTL and was cut down to a share of it. */
  scaled: boolean;
}

/** The lead before a hard end for a credential of this TTL: the drain window, or a third of the TTL if that is shorter. */
export function leadFor(ttlMs: number, drainMs: number): Lead {
  const cap = Math.max(0, ttlMs) * MAX_LEAD_SHARE;
  return drainMs <= cap ? { leadMs: drainMs, scaled: false } : { leadMs: cap, scaled: true };
}

/**
 * Delay until a renewal of something granted `ttlMs` now: at `renewAt` of it, spread by jitter,
 * and never later than `leadMs` before its end, so that if Vault caps this renewal there is still
 * time to hand over a replacement with the full lead.
 */
export function renewDelay(
  ttlMs: number,
  renewAt: number,
  jitter: number,
  leadMs: number,
  random: () => number,
): number {
  return Math.max(0, Math.round(Math.min(jittered(ttlMs * renewAt, jitter, random), ttlMs - leadMs)));
}

/**
 * Delay until the first renewal after a login or a fetch: anywhere in the band before `renewAt`
 * (full jitter), so clients started at the same instant spread out at once rather than after
 * several rounds of ±jitter. Still never later than `leadMs` before the end.
 */
export function firstRenewDelay(
  ttlMs: number,
  renewAt: number,
  jitter: number,
  leadMs: number,
  random: () => number,
): number {
  if (jitter <= 0) return renewDelay(ttlMs, renewAt, 0, leadMs, random);
  const band = Math.min(renewAt, FIRST_RENEWAL_BAND);
  const at = ttlMs * (renewAt - band * random());
  return Math.max(0, Math.round(Math.min(at, ttlMs - leadMs)));
}

/**
 * Delay until the replacement of something that cannot be extended and ends `remainingMs` from
 * now: `share` of its TTL before the end (the rotateBefore option), or the lead if that is longer.
 */
export function replaceDelay(remainingMs: number, ttlMs: number, share: number, leadMs: number): number {
  return Math.max(0, Math.round(remainingMs - Math.max(ttlMs * share, leadMs)));
}

/**
 * Delay until a certificate valid from `validFrom` to `endsAt` (same time base as `now`) is
 * re-issued: at `fraction` of its lifetime, spread by jitter, and at least the lead before it ends.
 */
export function certificateDelay(
  validFrom: number,
  endsAt: number,
  now: number,
  fraction: number,
  jitter: number,
  leadMs: number,
  random: () => number,
): number {
  const at = validFrom + jittered((endsAt - validFrom) * fraction, jitter, random);
  return Math.max(0, Math.round(Math.min(at, endsAt - leadMs) - now));
}

/** Vault granted less than asked: what was renewed has hit its max TTL and will end early. */
export function isCapped(requestedMs: number, grantedMs: number): boolean {
  return grantedMs < requestedMs - CAPPED_SLACK_MS;
}
