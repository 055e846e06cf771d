import type { Episode } from './plan';
import type { Attempt } from './wire';

const MINUTE = 60_000;

/**
 * Request-rate bounds during an outage, derived from the backoff settings the run uses
 * (secrets.backoff and token.loginBackoff: from 1 s doubling to a 30 s cap, each delay shortened
 * by up to 25 % jitter; retry.maxRetries 2 for calls an app makes):
 *
 * - Background work per secret: its delays are at least 0.75, 1.5, 3, 6, 12, 22.5, 22.5 ... s,
 *   so at most 7 attempts start in any minute, and once past the uncapped steps (31 s of delays
 *   from its first failure) at most 3; one more when a retry is pulled in to a lease's end.
 * - Each `secret()` call an app makes in or just before the minute may try Vault 3 times (1 + 2 retries).
 * - Logins: at most 7 a minute by the same backoff, each up to 3 attempts; renew-self at most 7.
 * - Revocations of replaced leases: up to 3 attempts each, per distinct lease; of a replaced
 *   token (revoke-self, once per new login for max TTL): up to 3.
 *
 * Per secret that is single digits a minute (a client retrying every second would send 60); for
 * the whole client a few hundred at worst, with all 50 secrets in their first minute of backoff.
 */
export const BOUND = {
  perSecretFirstMinute: 7 + 1,
  perSecretSteady: 3 + 1,
  perAppCall: 3,
  logins: 7 * 3,
  renewSelf: 7,
  perRevokedLease: 3,
  revokeSelf: 3,
  /** How long after a secret's first failure its backoff is surely at the cap, with margin. */
  steadyAfterMs: 60_000,
} as const;

export interface RateReport {
  /** The busiest simulated minute of any outage, client attempts and requests the mock saw. */
  maxPerMinute: number;
  maxAuditPerMinute: number;
  /** The whole-client bound for that minute. */
  boundAtMax: number;
  violations: string[];
}

export function checkOutageRates(
  secrets: number,
  episodes: readonly Episode[],
  attempts: readonly Attempt[],
  calls: readonly { key: string; at: number }[],
  auditTimes: readonly number[],
): RateReport {
  const report: RateReport = { maxPerMinute: 0, maxAuditPerMinute: 0, boundAtMax: 0, violations: [] };
  for (const episode of episodes.filter((e) => e.outage)) {
    const during = attempts.filter((a) => a.at >= episode.start && a.at < episode.end);
    const firstFailure = new Map<string, number>();
    for (const a of during) {
      if (a.secret && !firstFailure.has(a.secret) && !(typeof a.status === 'number' && a.status < 400))
        firstFailure.set(a.secret, a.at);
    }
    for (let from = episode.start; from < episode.end; from += MINUTE) {
      const to = Math.min(from + MINUTE, episode.end);
      const inMinute = during.filter((a) => a.at >= from && a.at < to);
      const audited = auditTimes.filter((t) => t >= from && t < to).length;
      const fail = (what: string) =>
        report.violations.push(
          `${episode.kind} outage, minute ${Math.round((from - episode.start) / MINUTE)}: ${what}`,
        );
      if (audited > inMinute.length)
        fail(`the mock saw ${audited} requests but the client sent ${inMinute.length}`);
      const bySecret = new Map<string, number>();
      const revoked = new Set<string>();
      let logins = 0;
      let renewSelf = 0;
      let revokes = 0;
      let revokeSelf = 0;
      for (const a of inMinute) {
        if (a.path.endsWith('/login')) logins += 1;
        else if (a.path === 'auth/token/renew-self') renewSelf += 1;
        else if (a.path === 'auth/token/revoke-self') revokeSelf += 1;
        else if (a.path === 'sys/leases/revoke') {
          revokes += 1;
          revoked.add(a.secret ?? '?');
        } else if (a.secret) bySecret.set(a.secret, (bySecret.get(a.secret) ?? 0) + 1);
        else fail(`an attempt at ${a.path} that belongs to no secret`);
      }
      // The whole client: every secret in its first minute of backoff, every app call retried, logins, revocations.
      const appCallsNow = calls.filter((c) => c.at >= from - 45_000 && c.at < to).length;
      const bound =
        secrets * BOUND.perSecretFirstMinute +
        BOUND.perAppCall * appCallsNow +
        BOUND.logins +
        BOUND.renewSelf +
        BOUND.revokeSelf +
        BOUND.perRevokedLease * revoked.size;
      if (inMinute.length > bound) fail(`${inMinute.length} requests from the client (bound ${bound})`);
      if (audited > bound) fail(`${audited} requests reached the mock (bound ${bound})`);
      if (inMinute.length > report.maxPerMinute) {
        report.maxPerMinute = inMinute.length;
        report.boundAtMax = bound;
      }
      report.maxAuditPerMinute = Math.max(report.maxAuditPerMinute, audited);
      if (logins > BOUND.logins) fail(`${logins} login attempts (bound ${BOUND.logins})`);
      if (renewSelf > BOUND.renewSelf) fail(`${renewSelf} renew-self attempts (bound ${BOUND.renewSelf})`);
      if (revokeSelf > BOUND.revokeSelf)
        fail(`${revokeSelf} revoke-self attempts (bound ${BOUND.revokeSelf})`);
      if (revokes > BOUND.perRevokedLease * revoked.size)
        fail(`${revokes} revocation attempts for ${revoked.size} leases`);
      for (const [secret, n] of bySecret) {
        // A call's retries may trail it by two Retry-After waits (20 s each in this run).
        const appCalls = calls.filter((c) => c.key === secret && c.at >= from - 45_000 && c.at < to).length;
        const steady = from >= (firstFailure.get(secret) ?? from) + BOUND.steadyAfterMs;
        const bound =
          (steady ? BOUND.perSecretSteady : BOUND.perSecretFirstMinute) + BOUND.perAppCall * appCalls;
        if (n > bound)
          fail(
            `${secret}: ${n} attempts (bound ${bound}: ${steady ? 'steady' : 'first minute'}, ${appCalls} app calls)`,
          );
      }
    }
  }
  return report;
}
