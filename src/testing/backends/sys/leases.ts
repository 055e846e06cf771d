import { calculateTtl, SYSTEM_MAX_TTL } from '../../core/durations';
import { field } from '../../core/fields';
import { rfc3339 } from '../../core/go-format';
import type { Namespace } from '../../core/namespaces';
import { type DeclaredRoute, defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';

/**
 * `sys/leases/*` and the legacy `sys/renew`, `sys/revoke`: renew, revoke and look up leases.
 * Service tokens have leases too in Vault (`auth/<mount>/login/h<hmac>`), so the lookup, revoke
 * and listing paths see them, and renewing one is refused with Vault's message.
 */
const LEASE_ID_FIELDS = {
  url_lease_id: field('string', 'The lease identifier to renew. This is included with a lease.'),
  lease_id: field('string', 'The lease identifier to renew. This is included with a lease.'),
} as const;
const RENEW_FIELDS = {
  ...LEASE_ID_FIELDS,
  increment: field('duration', 'The desired increment in seconds to the lease'),
} as const;
const REVOKE_FIELDS = {
  ...LEASE_ID_FIELDS,
  sync: field('bool', 'Whether or not to perform the revocation synchronously', true),
} as const;
const PREFIX_FIELDS = {
  prefix: field('string', 'The path to revoke keys under. Example: "prod/aws/ops"'),
  sync: field('bool', 'Whether or not to perform the revocation synchronously', true),
} as const;
const LOOKUP_FIELDS = { lease_id: field('string', 'The lease identifier to look up.') } as const;

export function leaseRoutes(core: VaultCore): DeclaredRoute[] {
  // The body's lease_id wins over the one in the URL, as in Vault.
  const idOf = ({ fields }: RouteInput<typeof LEASE_ID_FIELDS>) => fields.lease_id || fields.url_lease_id;
  // Each namespace sees its own leases, and its own tokens' leases, only.
  const leaseIn = (namespace: Namespace, id: string) => {
    const lease = core.leases.get(id);
    return lease?.namespaceId === namespace.id ? lease : undefined;
  };
  const tokenIn = (namespace: Namespace, id: string) => {
    const token = core.tokens.byLeaseId(id);
    return token?.namespaceId === namespace.id ? token : undefined;
  };
  const leasesIn = (namespace: Namespace) => core.leases.all().filter((l) => l.namespaceId === namespace.id);
  const tokensIn = (namespace: Namespace) => core.tokens.all().filter((t) => t.namespaceId === namespace.id);

  const renew = async (req: BackendRequest, input: RouteInput<typeof RENEW_FIELDS>) => {
    const id = idOf(input);
    if (id === '') throw badRequest('lease_id must be specified');
    const token = tokenIn(req.namespace, id);
    if (token) {
      if (!token.renewable) throw badRequest('lease is not renewable');
      throw badRequest('tokens cannot be renewed through this endpoint');
    }
    const lease = leaseIn(req.namespace, id);
    if (!lease) throw badRequest('lease not found');
    if (lease.expiresAt <= req.now) throw badRequest('lease expired');
    if (!lease.renewable) throw badRequest('lease is not renewable');
    const increment = input.fields.increment;
    const mounted = core.mountOf(lease);
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

  const revoke = async (req: BackendRequest, input: RouteInput<typeof REVOKE_FIELDS>) => {
    const id = idOf(input);
    if (id === '') throw badRequest('lease_id must be specified');
    const sync = input.fields.sync;
    const token = tokenIn(req.namespace, id);
    const lease = leaseIn(req.namespace, id);
    const done = Promise.all([token && core.revokeToken(token), lease && core.revokeLease(lease)]);
    // sync=false queues the revocation in Vault and answers 202 with no body; sync waits for it.
    if (sync) await done;
    return sync ? null : { status: 202 };
  };

  const lookup = (req: BackendRequest, { fields }: RouteInput<typeof LOOKUP_FIELDS>) => {
    const id = fields.lease_id;
    if (id === '') throw badRequest('missing lease id');
    const token = tokenIn(req.namespace, id);
    const lease = leaseIn(req.namespace, id);
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

  const allIds = (namespace: Namespace) => [
    ...leasesIn(namespace).map((lease) => lease.id),
    ...tokensIn(namespace).flatMap((token) => core.tokens.leaseId(token) ?? []),
  ];

  const listPrefix = (namespace: Namespace, prefixParam: string | undefined) => {
    const prefix = prefixParam ? `${prefixParam.replace(/\/$/, '')}/` : '';
    const keys = new Set<string>();
    for (const id of allIds(namespace)) {
      if (!id.startsWith(prefix)) continue;
      const rest = id.slice(prefix.length);
      const slash = rest.indexOf('/');
      keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return { data: { keys: [...keys].sort() } };
  };

  const revokePrefix = async (namespace: Namespace, { fields }: RouteInput<typeof PREFIX_FIELDS>) => {
    const prefix = fields.prefix;
    const done: Promise<void>[] = [];
    for (const token of tokensIn(namespace)) {
      if (core.tokens.leaseId(token)?.startsWith(prefix)) done.push(core.revokeToken(token));
    }
    for (const lease of leasesIn(namespace))
      if (lease.id.startsWith(prefix)) done.push(core.revokeLease(lease));
    await Promise.all(done);
    return null;
  };

  const renewRoute = (pattern: string) =>
    defineRoute({ pattern, fields: RENEW_FIELDS, handlers: { update: renew } });
  const revokeRoute = (pattern: string) =>
    defineRoute({ pattern, fields: REVOKE_FIELDS, handlers: { update: revoke } });
  const prefixRoute = (pattern: string) =>
    defineRoute({
      pattern,
      fields: PREFIX_FIELDS,
      handlers: { update: (req, input) => revokePrefix(req.namespace, input) },
    });
  return [
    renewRoute('leases/renew'),
    renewRoute('leases/renew/*url_lease_id'),
    renewRoute('renew'),
    renewRoute('renew/*url_lease_id'),
    revokeRoute('leases/revoke'),
    revokeRoute('leases/revoke/*url_lease_id'),
    revokeRoute('revoke'),
    revokeRoute('revoke/*url_lease_id'),
    prefixRoute('leases/revoke-prefix/*prefix'),
    prefixRoute('leases/revoke-force/*prefix'),
    defineRoute({
      pattern: 'leases/lookup',
      fields: LOOKUP_FIELDS,
      handlers: { update: lookup, list: (req) => listPrefix(req.namespace, undefined) },
    }),
    defineRoute({
      pattern: 'leases/lookup/*prefix',
      fields: { prefix: field('string', 'The path to list leases under. Example: "aws/creds/deploy"') },
      handlers: { list: (req, { params }) => listPrefix(req.namespace, params.prefix) },
    }),
  ];
}
