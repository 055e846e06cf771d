import type { ResolvedOptions } from '../options';
import { checkSchema } from '../schema-check';
import type { RotationReason } from '../types/events';
import type { Secret } from '../types/secret';
import type { StandardSchemaV1 } from '../types/standard-schema';
import { certificateDelay, jittered, renewDelay, rotationDelay } from './lease-timing';
import { toSecret } from './secret';
import type { FetchedSecret } from './secret-shape';

/** The value a managed secret holds now, with what its upkeep needs to know about it. */
export interface Current {
  fetched: FetchedSecret;
  /** The lease end moves with each renewal; `fetched.expiresAt` is the first one. */
  expiresAt: number | undefined;
  /** The lease's TTL as first granted: what renewals ask for again. */
  leaseTtlMs: number;
  /** When the token that created the lease dies, once a new login replaced it: the lease dies then too. */
  tokenEndsAt: number | undefined;
  /** Views per schema, so a cache hit allocates nothing. */
  views: Map<StandardSchemaV1 | undefined, Secret<unknown>>;
  dead: boolean;
  expiredReported: boolean;
}

export type Step =
  | { action: 'renew'; delay: number }
  | { action: 'poll'; delay: number }
  | { action: 'rotate'; delay: number; reason: RotationReason };

/** What keeps each kind of secret current, and when: pure, so the timing reads in one place. */
export function nextStep(c: Current, now: number, secrets: ResolvedOptions['secrets']): Step {
  const f = c.fetched;
  switch (f.kind) {
    case 'leased':
      if (f.lease?.renewable)
        return { action: 'renew', delay: renewDelay(c.leaseTtlMs, secrets.renewAt, secrets.jitter) };
      return {
        action: 'rotate',
        reason: 'max-ttl',
        delay: rotationDelay(c.expiresAt ?? now, now, c.leaseTtlMs, secrets.rotateBefore),
      };
    case 'certificate':
      return {
        action: 'rotate',
        reason: 'certificate-expiring',
        delay: certificateDelay(
          f.validFrom ?? now,
          c.expiresAt ?? now,
          now,
          secrets.certificateRenewAt,
          secrets.jitter,
        ),
      };
    case 'static-credentials':
      // Vault sets the new password at this instant; fetch just after it.
      return {
        action: 'rotate',
        reason: 'new-version',
        delay: Math.max(0, (c.expiresAt ?? now) - now) + 1_000,
      };
    case 'kv-v2':
      return { action: 'poll', delay: jittered(secrets.pollIntervalMs, secrets.jitter) };
    case 'kv':
      return {
        action: 'rotate',
        reason: 'new-version',
        delay: jittered(secrets.pollIntervalMs, secrets.jitter),
      };
  }
}

/** When a value stops being usable: its lease's end, or its token's if that comes first. */
export function endOf(c: Current): number | undefined {
  if (c.tokenEndsAt === undefined) return c.expiresAt;
  return Math.min(c.expiresAt ?? c.tokenEndsAt, c.tokenEndsAt);
}

/** The value as the app sees it, through a schema; made once per schema, so a cache hit allocates nothing. */
export function viewOf<T>(path: string, c: Current, schema: StandardSchemaV1 | undefined): Secret<T> {
  const cached = c.views.get(schema);
  if (cached) return cached as Secret<T>;
  const view = toSecret(path, c.fetched, checkSchema(path, c.fetched.data, schema), endOf(c));
  c.views.set(schema, view);
  return view as Secret<T>;
}
