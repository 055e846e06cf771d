import type { TokenEntry } from '../store/tokens';
import type { AuthIntent, MockResponse } from './types';
import { VaultError } from './vault-error';

/** The parts of Vault's answers that do not depend on the request: headers, error bodies, auth blocks. */
export function jsonHeaders(): Record<string, string> {
  return { 'cache-control': 'no-store', 'content-type': 'application/json' };
}

export function errorResponse(error: unknown): MockResponse {
  if (error instanceof VaultError) {
    return {
      status: error.status,
      headers: { ...jsonHeaders(), ...error.headers },
      body: { errors: error.messages },
    };
  }
  return {
    status: 500,
    headers: jsonHeaders(),
    body: { errors: ['1 error occurred:\n\t* internal error\n\n'] },
  };
}

/** The `auth` block of a token, as login and renewal answers carry it. */
export function authBlock(
  token: TokenEntry,
  auth?: Pick<AuthIntent, 'tokenPolicies'>,
): Record<string, unknown> {
  const ttl =
    token.expiresAt === null
      ? 0
      : Math.max(0, Math.round((token.expiresAt - (token.lastRenewal ?? token.issuedAt)) / 1000));
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: auth?.tokenPolicies ?? token.policies,
    metadata: token.meta,
    lease_duration: ttl,
    renewable: token.renewable,
    entity_id: token.entityId,
    token_type: token.type,
    orphan: token.parent === '',
    mfa_requirement: null,
    num_uses: token.numUses,
  };
}
