import { badRequest, VaultError } from '../../core/vault-error';
import {
  given,
  type LegacyTokenFields,
  legacyData,
  newLegacyFields,
  newTokenParams,
  parseTokenFields,
  TOKEN_FIELDS,
  type TokenParams,
  tokenData,
  upgradeLegacyFields,
} from '../auth-common/token-params';
import { str } from '../fields';
import { hashPassword, type PasswordHash } from './password';

/** A userpass user (builtin/credential/userpass/path_users.go UserEntry). */
export interface User {
  password: PasswordHash | undefined;
  params: TokenParams;
  legacy: LegacyTokenFields;
}

/** path_users.go's own fields, tokenutil's, and the four deprecated names userpass had. */
export const USER_FIELDS = [
  'username',
  'password',
  'policies',
  'ttl',
  'max_ttl',
  'bound_cidrs',
  ...TOKEN_FIELDS,
];

/**
 * pathUserWrite / userCreateUpdate: a new user needs a password; the token fields, then the
 * password, then the deprecated names, each in the handler's order.
 */
export function writeUser(data: Record<string, unknown>, previous: User | undefined): User {
  if (!previous && str(data, 'password') === '') throw badRequest('missing password');
  const user: User = previous
    ? {
        password: previous.password,
        params: structuredClone(previous.params),
        legacy: structuredClone(previous.legacy),
      }
    : { password: undefined, params: newTokenParams(), legacy: newLegacyFields() };
  parseTokenFields(data, user.params);
  if (given(data, 'password')) user.password = newPassword(data);
  // userpass never had `period` or `num_uses`: tokenutil's upgrade ignores names that are absent.
  const { period: _period, num_uses: _numUses, ...deprecated } = data;
  upgradeLegacyFields(deprecated, user.params, user.legacy);
  return user;
}

/**
 * updateUserPassword: an empty password is the client's error (400); bcrypt's refusal of a
 * password over 72 bytes is an internal one (500, wrapped by the core).
 */
export function newPassword(data: Record<string, unknown>): PasswordHash {
  const password = str(data, 'password');
  if (password === '') throw badRequest('missing password');
  try {
    return hashPassword(password);
  } catch (error) {
    throw VaultError.wrapped(500, (error as Error).message);
  }
}

/** pathUserRead: the token fields and the deprecated names that are set; never the password. */
export function userView(user: User): Record<string, unknown> {
  const { policies, bound_cidrs, ttl, max_ttl } = legacyData(user.params, user.legacy);
  return {
    ...tokenData(user.params),
    ...(ttl !== undefined ? { ttl } : {}),
    ...(max_ttl !== undefined ? { max_ttl } : {}),
    ...(policies !== undefined ? { policies } : {}),
    ...(bound_cidrs !== undefined ? { bound_cidrs } : {}),
  };
}
