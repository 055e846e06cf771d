import { backoffDelay } from '../internal/backoff';

/**
 * How safe a call is to repeat. Reads and deletes are; so are the writes Vault makes idempotent
 * for us (login, renew-self, lease renew and revoke). Other writes, and reads that create a lease
 * (`database/creds/app`: each one mints a credential), are repeated only when the first attempt
 * surely never reached Vault, or a duplicate would be an orphan credential alive until its TTL.
 */
export type CallKind = 'read' | 'idempotent-write' | 'write' | 'lease-creating-read';

export interface AttemptOutcome {
  status?: number;
  /** A 503 that says `Vault is sealed`: refused before any work was done. */
  sealed?: boolean;
  /** Network failure class, for attempts that got no status (`too-large`: the answer passed maxResponseBytes). */
  failure?: 'refused' | 'network' | 'timeout' | 'tls' | 'too-large';
  retryAfterMs?: number | undefined;
}

export interface RetryConfig {
  maxRetries: number;
  minDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

export type RetryDecision = { retry: false; reason: string } | { retry: true; delayMs: number };

const RETRYABLE_STATUS = new Set([412, 429, 500, 502, 503, 504]);

/** Pure: whether attempt number `attempt` (0 = the first) should be followed by another, and when. */
export function decideRetry(
  outcome: AttemptOutcome,
  kind: CallKind,
  attempt: number,
  config: RetryConfig,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= config.maxRetries) return { retry: false, reason: 'retries exhausted' };
  if (outcome.failure === 'tls') return { retry: false, reason: 'TLS failures do not heal by retrying' };
  if (outcome.failure === 'too-large') return { retry: false, reason: 'the same answer would come again' };
  const retryable =
    outcome.failure !== undefined || (outcome.status !== undefined && RETRYABLE_STATUS.has(outcome.status));
  if (!retryable) return { retry: false, reason: 'not a transient failure' };
  if ((kind === 'write' || kind === 'lease-creating-read') && !neverReachedVault(outcome)) {
    return { retry: false, reason: 'the first attempt may have reached Vault; repeating it could act twice' };
  }
  if (outcome.retryAfterMs !== undefined) {
    if (outcome.retryAfterMs > config.maxRetryAfterMs)
      return { retry: false, reason: 'Retry-After beyond the cap' };
    return { retry: true, delayMs: outcome.retryAfterMs };
  }
  return {
    retry: true,
    delayMs: backoffDelay(
      attempt,
      { minMs: config.minDelayMs, maxMs: config.maxDelayMs, jitter: 0.5 },
      random,
    ),
  };
}

/** Vault refuses these before doing anything: no connection, rate limit, missing index state, sealed. */
function neverReachedVault(outcome: AttemptOutcome): boolean {
  return (
    outcome.failure === 'refused' ||
    outcome.status === 429 ||
    outcome.status === 412 ||
    outcome.sealed === true
  );
}

/**
 * `Retry-After` in ms from `now`: delay-seconds (digits only) or an HTTP date (RFC 9110 10.2.3). A
 * value that is neither (`-5`, `1.5`, `1e3`, garbage) is no hint at all: the normal backoff
 * applies, rather than a retry at once that a negative or misparsed delay would mean.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP date form starts with the day's name; Date.parse would read "-5" as a year.
  if (!/^[A-Za-z]/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
