import { type AddressBlock, addressAllowed, parseAddressBlock } from '../../core/address-blocks';
import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { loginAuth } from '../auth-common/login-auth';
import {
  type Claims,
  extractMetadata,
  getClaim,
  goValue,
  normalizeList,
  validateBoundClaims,
} from './claims';
import type { JwtConfig } from './config';
import type { KeySet } from './key-sets';
import type { JwtRole } from './role';
import { SUPPORTED_ALGORITHMS, validateToken } from './validator';

/** path_login.go's fields. */
export const LOGIN_FIELDS = {
  role: field('lowercaseString', 'The role to log in against.'),
  jwt: field('string', 'The signed JWT to validate.'),
  distributed_claim_access_token: field(
    'string',
    'An optional token to fetch distributed group claims (Azure only).',
  ),
} as const;

export interface LoginContext {
  config: JwtConfig | undefined;
  roles: ReadonlyMap<string, JwtRole>;
  /** The plugin's cached validator: built on first use after a config write. */
  keySets(): Promise<KeySet[]>;
  entityIdFor(alias: string): string;
}

/**
 * pathLogin, step by step in the plugin's order. Every refusal but the CIDR one is an error
 * response (400) with the plugin's words, including the reason cap gave for a token it refused.
 */
export async function jwtLogin(
  req: BackendRequest,
  { fields }: RouteInput<typeof LOGIN_FIELDS>,
  ctx: LoginContext,
): Promise<BackendResult> {
  const { config } = ctx;
  if (!config) throw badRequest('could not load configuration');
  const roleName = fields.role || config.default_role;
  if (roleName === '') throw badRequest('missing role');
  const role = ctx.roles.get(roleName);
  if (!role) throw badRequest(`role ${goQuote(roleName)} could not be found`);
  if (role.roleType === 'oidc') throw badRequest('role with oidc role_type is not allowed');
  const token = fields.jwt;
  if (token === '') throw badRequest('missing token');

  if (role.token.boundCidrs.length > 0) {
    const blocks = role.token.boundCidrs
      .map(parseAddressBlock)
      .filter((block): block is AddressBlock => block !== undefined);
    if (!addressAllowed(req.remoteAddress, blocks)) throw new VaultError(403, 'permission denied');
  }

  let keySets: KeySet[];
  try {
    keySets = await ctx.keySets();
  } catch (error) {
    throw badRequest(`error configuring token validator: ${(error as Error).message}`);
  }
  let claims: Claims;
  try {
    claims = await validateToken(
      token,
      keySets,
      {
        issuer: config.bound_issuer,
        subject: role.boundSubject,
        audiences: role.boundAudiences ?? [],
        algorithms: config.jwt_supported_algs.length > 0 ? config.jwt_supported_algs : SUPPORTED_ALGORITHMS,
        notBeforeLeeway: role.notBeforeLeeway,
        expirationLeeway: role.expirationLeeway,
        clockSkewLeeway: role.clockSkewLeeway,
      },
      req.now,
    );
  } catch (error) {
    throw badRequest(`error validating token: ${(error as Error).message}`);
  }

  if ((role.boundAudiences ?? []).length === 0) {
    const aud = getClaim(claims, 'aud');
    if ((Array.isArray(aud) && aud.length > 0) || (typeof aud === 'string' && aud !== '')) {
      throw badRequest('audience claim found in JWT but no audiences bound to the role');
    }
  }

  const { userName, metadata } = identityOf(claims, roleName, role);
  try {
    validateBoundClaims(role.boundClaimsType, role.boundClaims ?? {}, claims);
  } catch (error) {
    throw badRequest(`error validating claims: ${(error as Error).message}`);
  }

  return {
    auth: loginAuth(role.token, req.mount, {
      displayName: userName,
      metadata,
      role: roleName,
      entityId: ctx.entityIdFor(userName),
    }),
  };
}

/** createIdentity: the user claim names the alias; claim mappings and the role become metadata. */
function identityOf(
  claims: Claims,
  roleName: string,
  role: JwtRole,
): { userName: string; metadata: Record<string, string> } {
  const raw = role.userClaimJsonPointer ? getClaim(claims, role.userClaim) : claims[role.userClaim];
  if (raw === undefined || raw === null)
    throw badRequest(`claim ${goQuote(role.userClaim)} not found in token`);
  if (typeof raw !== 'string') {
    throw badRequest(`claim ${goQuote(role.userClaim)} could not be converted to string`);
  }
  let metadata: Record<string, string>;
  try {
    metadata = extractMetadata(claims, role.claimMappings ?? {});
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  metadata.role = roleName;
  if (role.groupsClaim !== '') checkGroups(claims, role.groupsClaim);
  return { userName: raw, metadata };
}

/** The groups claim must be a string or a list of strings; the mock has no identity groups to map them to. */
function checkGroups(claims: Claims, name: string): void {
  const raw = getClaim(claims, name);
  if (raw === undefined || raw === null) {
    throw badRequest(`failed to fetch groups: ${goQuote(name)} claim not found in token`);
  }
  const groups = normalizeList(raw);
  if (!groups) throw badRequest(`${goQuote(name)} claim could not be converted to string list`);
  for (const group of groups) {
    if (typeof group !== 'string') {
      throw badRequest(`value ${goValue(group)} in groups claim could not be parsed as string`);
    }
  }
}
