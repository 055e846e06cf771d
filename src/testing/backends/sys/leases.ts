import { calculateTtl, SYSTEM_MAX_TTL } from '../../core/durations';
import type { Route } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import { bool, duration, rfc3339, str } from '../fields';

/**
 * `sys/leases/*` and the legacy `sys/renew`, `sys/revoke`: renew, revoke and look up leases.
 * Service tokens have leases too in Vault (`auth/<mount>/login/h<hmac>`), so the lookup, revoke
 * and listing paths see them, and renewing one is refused with Vault's message.
 */
const RENEW_FIELDS = ['lease_id', 'url_lease_id', 'increment'];

export function leaseRoutes(core: VaultCore): Route[] {
  const idOf = (req: BackendRequest, p: Record<string, string>) => str(req.data, 'lease_id') || p.id || '';

  const renew = async (req: BackendRequest, p: Record<string, string>) => {
    const id = idOf(req, p);
    if (id === '') throw badRequest('lease_id must be specified');
    const token = core.tokens.byLeaseId(id);
    if (token) {
      if (!token.renewable) throw badRequest('lease is not renewable');
      throw badRequest('tokens cannot be renewed through this endpoint');
    }
    const lease = core.leases.get(id);
    if (!lease) throw badRequest('lease not found');
    if (lease.expiresAt <= req.now) throw badRequest('lease expired');
    if (!lease.renewable) throw badRequest('lease is not renewable');
    const increment = duration(req.data, 'increment');
    const mounted = core.mounts.get(lease.mountPath);
    const mount = mounted?.info;
    const { ttl, warnings } = mounted?.backend.renewLease
      ? await mounted.backend.renewLease(lease, increment, req)
      : calculateTtl({
          increment,
          backendTtl: 0,
          period: 0,
          backendMaxTtl: 0,
          explicitMaxTtl: 0,
          issuedAt: lease.issuedAt,
          now: req.now,
          mountDefaultTtl: mount?.defaultLeaseTtl || SYSTEM_MAX_TTL,
          mountMaxTtl: mount?.maxLeaseTtl || SYSTEM_MAX_TTL,
        });
    lease.expiresAt = req.now + ttl * 1000;
    lease.lastRenewal = req.now;
    return {
      data: null,
      warnings,
      leaseFields: { lease_id: lease.id, renewable: true, lease_duration: ttl },
    };
  };

  const revoke = async (req: BackendRequest, p: Record<string, string>) => {
    const id = idOf(req, p);
    if (id === '') throw badRequest('lease_id must be specified');
    const sync = bool(req.data, 'sync', true);
    const token = core.tokens.byLeaseId(id);
    const lease = core.leases.get(id);
    const done = Promise.all([token && core.revokeToken(token), lease && core.revokeLease(lease)]);
    // sync=false queues the revocation in Vault and answers 202 with no body; sync waits for it.
    if (sync) await done;
    return sync ? null : { status: 202 };
  };

  const lookup = (req: BackendRequest) => {
    const id = str(req.data, 'lease_id');
    if (id === '') throw badRequest('missing lease id');
    const token = core.tokens.byLeaseId(id);
    const lease = core.leases.get(id);
    const found =
      lease ?? (token && { ...token, expiresAt: token.expiresAt!, lastRenewal: token.lastRenewal });
    if (!found) throw badRequest('invalid lease');
    return {
      data: {
        id,
        issue_time: rfc3339(found.issuedAt),
        expire_time: rfc3339(found.expiresAt),
        last_renewal: found.lastRenewal === null ? null : rfc3339(found.lastRenewal),
        renewable: found.renewable,
        ttl: Math.max(0, Math.floor((found.expiresAt - req.now) / 1000)),
      },
    };
  };

  const allIds = () => [
    ...core.leases.all().map((lease) => lease.id),
    ...core.tokens.all().flatMap((token) => core.tokens.leaseId(token) ?? []),
  ];

  const listPrefix = (_req: BackendRequest, p: Record<string, string>) => {
    const prefix = p.prefix ? `${p.prefix.replace(/\/$/, '')}/` : '';
    const keys = new Set<string>();
    for (const id of allIds()) {
      if (!id.startsWith(prefix)) continue;
      const rest = id.slice(prefix.length);
      const slash = rest.indexOf('/');
      keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return { data: { keys: [...keys].sort() } };
  };

  const revokePrefix = async (_req: BackendRequest, p: Record<string, string>) => {
    const prefix = p.prefix ?? '';
    const done: Promise<void>[] = [];
    for (const token of core.tokens.all()) {
      if (core.tokens.leaseId(token)?.startsWith(prefix)) done.push(core.revokeToken(token));
    }
    for (const lease of core.leases.byPrefix(prefix)) done.push(core.revokeLease(lease));
    await Promise.all(done);
    return null;
  };

  return [
    { pattern: 'leases/renew', fields: RENEW_FIELDS, handlers: { update: renew } },
    { pattern: 'leases/renew/*id', fields: RENEW_FIELDS, handlers: { update: renew } },
    { pattern: 'renew', fields: RENEW_FIELDS, handlers: { update: renew } },
    { pattern: 'renew/*id', fields: RENEW_FIELDS, handlers: { update: renew } },
    { pattern: 'leases/revoke', handlers: { update: revoke } },
    { pattern: 'leases/revoke/*id', handlers: { update: revoke } },
    { pattern: 'revoke', handlers: { update: revoke } },
    { pattern: 'revoke/*id', handlers: { update: revoke } },
    { pattern: 'leases/revoke-prefix/*prefix', handlers: { update: revokePrefix } },
    { pattern: 'leases/revoke-force/*prefix', handlers: { update: revokePrefix } },
    { pattern: 'leases/lookup', fields: ['lease_id'], handlers: { update: lookup, list: listPrefix } },
    { pattern: 'leases/lookup/*prefix', handlers: { list: listPrefix } },
  ];
}
