import { rfc3339 } from '../../core/go-format';
import type { TokenEntry } from '../../store/tokens';

/**
 * handleLookup's answer. A token without a lease (root, or any token that never expires) has no
 * issue time, renewability or last renewal to report; `id` is blanked for lookups by accessor.
 */
export function lookupView(token: TokenEntry, now: number, showId: boolean): Record<string, unknown> {
  const data: Record<string, unknown> = {
    accessor: token.accessor,
    creation_time: Math.floor(token.issuedAt / 1000),
    creation_ttl: token.creationTtl,
    display_name: token.displayName,
    entity_id: token.entityId,
    expire_time: null,
    explicit_max_ttl: token.explicitMaxTtl,
    id: showId ? token.id : '',
    meta: token.meta,
    num_uses: token.numUses,
    orphan: token.parent === '',
    path: token.path,
    policies: token.policies,
    ttl: 0,
    type: token.type,
  };
  // Only the token store's own roles are named (logins keep their role for renewal alone).
  if (token.role !== '' && token.path.startsWith('auth/token/create/')) data.role = token.role;
  if (token.period > 0) data.period = token.period;
  if (token.boundCidrs && token.boundCidrs.length > 0) data.bound_cidrs = token.boundCidrs;
  if (token.expiresAt !== null) {
    if (token.lastRenewal !== null) {
      data.last_renewal_time = Math.floor(token.lastRenewal / 1000);
      data.last_renewal = rfc3339(token.lastRenewal);
    }
    data.expire_time = rfc3339(token.expiresAt);
    data.ttl = Math.max(0, Math.floor((token.expiresAt - now) / 1000));
    data.renewable = token.renewable;
    data.issue_time = rfc3339(token.issuedAt);
  }
  return data;
}
