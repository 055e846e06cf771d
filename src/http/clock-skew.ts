/**
 * How far Vault's clock is ahead of this machine's (negative: behind), from the `Date` header of
 * its answers. Vault states some expiries as wall-clock times (a certificate's `expiration`, a
 * static role's next rotation); a pod whose clock is off by more than a TTL would otherwise think
 * them already past, or far away. The client's scheduler corrects those times by this estimate.
 *
 * `Date` has one-second resolution, so one answer says only that the skew lies in
 * [date - received, date + 1000 - sent]. Successive answers narrow it: the estimate keeps the
 * intersection of their intervals, and starts again from the newest one when an interval does not
 * meet the others (one of the clocks was stepped).
 */
export interface SkewState {
  /** The narrowest interval known to hold the skew, in ms; undefined before any answer. */
  low: number | undefined;
  high: number | undefined;
  /** The last `Date` header seen and its value in ms, so repeats skip parsing. */
  lastHeader: string | undefined;
  lastHeaderMs: number;
}

export const initialSkew: SkewState = {
  low: undefined,
  high: undefined,
  lastHeader: undefined,
  lastHeaderMs: Number.NaN,
};

/**
 * Pure: the state after an answer whose request left at `sentAt` and whose answer arrived at
 * `receivedAt` (local wall-clock ms), carrying `dateHeader`.
 */
export function observeSkew(
  state: SkewState,
  dateHeader: string | undefined,
  sentAt: number,
  receivedAt: number,
): SkewState {
  if (!dateHeader) return state;
  const dateMs = dateHeader === state.lastHeader ? state.lastHeaderMs : Date.parse(dateHeader);
  if (!Number.isFinite(dateMs) || receivedAt < sentAt) return state;
  const low = dateMs - receivedAt;
  const high = dateMs + 1000 - sentAt;
  const meets = state.low !== undefined && state.high !== undefined && low <= state.high && high >= state.low;
  return {
    low: meets ? Math.max(low, state.low!) : low,
    high: meets ? Math.min(high, state.high!) : high,
    lastHeader: dateHeader,
    lastHeaderMs: dateMs,
  };
}

/** The estimate: the middle of the interval, 0 before any answer. */
export function skewEstimate(state: SkewState): number {
  return state.low === undefined || state.high === undefined ? 0 : Math.round((state.low + state.high) / 2);
}
