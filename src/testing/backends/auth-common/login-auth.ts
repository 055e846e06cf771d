import type { AuthIntent, MountInfo } from '../../core/types';
import { type TokenParams, tokenAuth } from '../shared/token-fields';

/**
 * policyutil.SanitizePolicies, which the core applies to a login's policies: lower-cased, empty
 * names dropped, `root` alone if present, `default` added unless the role says not to, sorted
 * and de-duplicated.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  let names = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (names.includes('root')) names = ['root'];
  else if (addDefault && !names.includes('default')) names.push('default');
  return [...new Set(names)].sort();
}

export interface LoginIdentity {
  /** The auth method's display name before the core prefixes the mount: `system:serviceaccount:...`. */
  displayName: string;
  metadata: Record<string, string>;
  /** The role (or user) name the token remembers for renewals. */
  role: string;
  entityId: string;
  /** Overrides the role's `token_bound_cidrs` (AppRole's secret IDs carry their own). */
  boundCidrs?: readonly string[];
}

/**
 * tokenutil.PopulateTokenAuth plus what the core's login handling adds: the mount-prefixed
 * display name (`jwt-<user>`, or just `approle`), sanitized policies, and the CIDR blocks the
 * token is bound to.
 */
export function loginAuth(params: TokenParams, mount: MountInfo, identity: LoginIdentity): AuthIntent {
  const policies = sanitizePolicies(params.policies, !params.noDefaultPolicy);
  const source = mount.path.replace(/^auth\//, '').replaceAll('/', '-');
  return {
    ...tokenAuth(params),
    policies,
    tokenPolicies: policies,
    metadata: identity.metadata,
    entityId: identity.entityId,
    displayName: `${source}${identity.displayName}`.replace(/-$/, ''),
    role: identity.role,
    boundCidrs: [...(identity.boundCidrs ?? params.boundCidrs)],
  };
}
