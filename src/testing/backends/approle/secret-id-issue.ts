import { field } from '../../core/fields';
import { goQuote } from '../../core/go-format';
import type { RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest, VaultError } from '../../core/vault-error';
import { cidrSubsetError, invalidCidr } from './cidr-rules';
import { parseMetadata } from './metadata';
import { type AppRole, MAX_HMAC_INPUT } from './role';
import type { SecretIdStore } from './secret-ids';

/** The fields of `role/<name>/secret-id` (and, with `secret_id`, of `custom-secret-id`). */
export const SECRET_ID_FIELDS = {
  role_name: field('string', 'Name of the role.'),
  metadata: field('string', 'Metadata to be tied to the SecretID: a JSON object of strings.'),
  cidr_list: field(
    'commaStringSlice',
    'CIDR blocks enforcing secret IDs to be used from specific set of IP addresses.',
  ),
  token_bound_cidrs: field('commaStringSlice', 'CIDR blocks from which the generated token may be used.'),
  num_uses: field('int', 'Number of times this SecretID can be used, after which it expires.'),
  ttl: field('duration', 'Duration in seconds after which this SecretID expires.'),
} as const;

export const CUSTOM_SECRET_ID_FIELDS = {
  ...SECRET_ID_FIELDS,
  secret_id: field('string', 'SecretID to be attached to the role.'),
} as const;

export interface IssueContext {
  /** As written in the path: Vault's messages quote it unchanged. */
  roleName: string;
  role: AppRole | undefined;
  /** Generated, or the client's own for `custom-secret-id`. */
  secretId: string;
  store: SecretIdStore;
  mountMaxTtl: number;
}

/**
 * handleRoleSecretIDCommon (path_role.go): a secret ID for the role, limited by the role's use
 * count and TTL (a request may only narrow them) and by its CIDR blocks (a request's must lie
 * inside the role's).
 */
export function generateSecretId(
  req: BackendRequest,
  { fields, has }: RouteInput<typeof SECRET_ID_FIELDS>,
  ctx: IssueContext,
): BackendResult {
  if (ctx.secretId === '') throw badRequest('missing secret_id');
  const { role } = ctx;
  if (!role) {
    // An error response paired with ErrUnsupportedPath: 404 with the response's words.
    throw new VaultError(404, `role ${goQuote(ctx.roleName)} does not exist`);
  }
  if (!role.bind_secret_id) throw badRequest('bind_secret_id is not set on the role');

  const cidrList = fields.cidr_list;
  const badCidr = cidrList.length > 0 ? invalidCidr(cidrList) : undefined;
  if (badCidr) throw VaultError.wrapped(500, `failed to validate CIDR blocks: ${badCidr}`);
  const subset = cidrSubsetError(cidrList, role.secret_id_bound_cidrs ?? []);
  if (subset) throw VaultError.wrapped(500, subset);

  const tokenCidrs = fields.token_bound_cidrs;
  const badTokenCidr = tokenCidrs.length > 0 ? invalidCidr(tokenCidrs) : undefined;
  if (badTokenCidr) throw VaultError.wrapped(500, `failed to validate token CIDR blocks: ${badTokenCidr}`);
  const tokenSubset = cidrSubsetError(tokenCidrs, role.token.boundCidrs);
  if (tokenSubset) throw VaultError.wrapped(500, tokenSubset);

  let numUses = role.secret_id_num_uses;
  if (has('num_uses')) {
    numUses = fields.num_uses;
    if (numUses < 0) throw badRequest('num_uses cannot be negative');
    const limit = role.secret_id_num_uses;
    if ((numUses === 0 && limit > 0) || (limit > 0 && numUses > limit)) {
      throw badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }
  let ttl = role.secret_id_ttl;
  if (has('ttl')) {
    ttl = fields.ttl;
    const limit = role.secret_id_ttl;
    if ((ttl === 0 && limit > 0) || (limit > 0 && ttl > limit)) {
      throw badRequest("ttl cannot be longer than the role's secret_id_ttl");
    }
  }
  let metadata: Record<string, string>;
  try {
    metadata = parseMetadata(fields.metadata);
  } catch (error) {
    throw badRequest(`failed to parse metadata: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(ctx.secretId) > MAX_HMAC_INPUT) {
    throw VaultError.wrapped(
      500,
      `failed to store secret_id: failed to create HMAC of secret ID: value is longer than maximum of ${MAX_HMAC_INPUT} bytes`,
    );
  }
  // deriveSecretIDTTL: a TTL beyond the mount's maximum (or negative) becomes that maximum.
  const effectiveTtl = ttl < 0 || ttl > ctx.mountMaxTtl ? ctx.mountMaxTtl : ttl;
  let entry: ReturnType<SecretIdStore['register']>;
  try {
    entry = ctx.store.register(
      role.name,
      ctx.secretId,
      {
        numUses,
        ttl,
        metadata,
        cidrList: cidrList.length > 0 ? cidrList : null,
        tokenBoundCidrs: tokenCidrs,
      },
      req.now,
      effectiveTtl,
    );
  } catch (error) {
    throw VaultError.wrapped(500, `failed to store secret_id: ${(error as Error).message}`);
  }
  return {
    data: {
      secret_id: ctx.secretId,
      secret_id_accessor: entry.accessor,
      secret_id_ttl: effectiveTtl,
      secret_id_num_uses: entry.numUses,
    },
  };
}
