import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { InvalidCredentials } from '../auth-common/lockout';
import { loginAuth } from '../auth-common/login-auth';
import { addressInCidrs, cidrSubsetError } from './cidr-rules';
import type { AppRole } from './role';
import type { SecretIdStore } from './secret-ids';

/** path_login.go's fields. */
export const LOGIN_FIELDS = {
  role_id: field(
    'string',
    "Unique identifier of the Role. Required when the 'bind_secret_id' constraint is set.",
  ),
  secret_id: field('string', 'SecretID belong to the App role', ''),
} as const;

export interface LoginContext {
  roleByRoleId(roleId: string): AppRole | undefined;
  secretIds: SecretIdStore;
  entityIdFor(roleId: string): string;
}

/**
 * pathLoginUpdate (builtin/credential/approle/path_login.go), step by step. Two of Vault's
 * orderings matter to a client: a secret ID with limited uses loses a use before its CIDR
 * restrictions are checked, and the role's `secret_id_bound_cidrs` apply even without
 * `bind_secret_id`. The messages keep Go's formatting, `%!w(<nil>)` included.
 */
export function appRoleLogin(
  req: BackendRequest,
  { fields }: RouteInput<typeof LOGIN_FIELDS>,
  ctx: LoginContext,
): BackendResult {
  const roleId = fields.role_id.trim();
  if (roleId === '') throw badRequest('missing role_id');
  const role = ctx.roleByRoleId(roleId);
  if (!role) throw badRequest('invalid role or secret ID');

  let metadata: Record<string, string> = {};
  let tokenBoundCidrs: readonly string[] = role.token.boundCidrs;
  if (role.bind_secret_id) {
    const secretId = fields.secret_id.trim();
    if (secretId === '') throw badRequest('missing secret_id');
    const entry = ctx.secretIds.get(role.name, secretId);
    if (!entry) throw new InvalidCredentials('invalid role or secret ID');
    const roleCidrs = role.secret_id_bound_cidrs ?? [];
    const cidrList = entry.cidrList ?? [];
    if (entry.numUses === 0) {
      checkSubset(cidrList, roleCidrs);
      if (cidrList.length > 0) {
        const address = connection(req);
        if (!addressInCidrs(address, cidrList)) {
          throw badRequest(
            `source address ${goQuote(address)} unauthorized through CIDR restrictions on the secret ID`,
          );
        }
      }
    } else {
      // The use is spent first: a login refused below still costs one.
      if (entry.numUses === 1) ctx.secretIds.delete(role.name, secretId);
      else {
        entry.numUses -= 1;
        entry.lastUpdatedTime = req.now;
      }
      checkSubset(cidrList, roleCidrs);
      if (cidrList.length > 0) {
        const address = connection(req);
        if (!addressInCidrs(address, cidrList)) {
          throw badRequest(
            `source address ${goQuote(address)} unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)`,
          );
        }
      }
    }
    metadata = { ...entry.metadata };
    if (entry.tokenBoundCidrs.length > 0) tokenBoundCidrs = entry.tokenBoundCidrs;
  }

  const roleCidrs = role.secret_id_bound_cidrs ?? [];
  if (roleCidrs.length > 0) {
    const address = connection(req);
    if (!addressInCidrs(address, roleCidrs)) {
      throw badRequest(
        `source address ${goQuote(address)} unauthorized by CIDR restrictions on the role: %!w(<nil>)`,
      );
    }
  }
  metadata.role_name = role.name;
  return {
    auth: loginAuth(role.token, req.mount, {
      displayName: '',
      metadata,
      role: role.name,
      entityId: ctx.entityIdFor(role.role_id),
      boundCidrs: tokenBoundCidrs,
    }),
  };
}

/** The request's client address; a login without one (an in-process call) cannot meet a CIDR rule. */
function connection(req: BackendRequest): string {
  if (!req.remoteAddress) throw new VaultError(500, 'failed to get connection information');
  return req.remoteAddress;
}

/** verifyCIDRRoleSecretIDSubset: a plain error, which a login answers with 500, verbatim. */
function checkSubset(secretIdCidrs: readonly string[], roleCidrs: readonly string[]): void {
  const problem = cidrSubsetError(secretIdCidrs, roleCidrs);
  if (problem) throw new VaultError(500, problem);
}
