import { field } from '../../core/fields';
import type { RouteInput } from '../../core/routes';
import { badRequest, VaultError } from '../../core/vault-error';
import {
  defaultTokenSettings,
  LEGACY_TOKEN_FIELDS,
  legacyTokenData,
  parseTokenFields,
  TOKEN_FIELDS,
  type TokenSettings,
  tokenData,
  upgradeLegacyFields,
} from '../shared/token-fields';
import { hashPassword, type PasswordHash } from './password';

/** A userpass user (builtin/credential/userpass/path_users.go UserEntry). */
export interface User extends TokenSettings {
  password: PasswordHash | undefined;
}

/** path_users.go's own fields, tokenutil's, and the four deprecated names userpass had. */
export const USER_FIELDS = {
  username: field('string', 'Username for this user.'),
  password: field('string', 'Password for this user.'),
  policies: LEGACY_TOKEN_FIELDS.policies,
  ttl: LEGACY_TOKEN_FIELDS.ttl,
  max_ttl: LEGACY_TOKEN_FIELDS.max_ttl,
  bound_cidrs: LEGACY_TOKEN_FIELDS.bound_cidrs,
  ...TOKEN_FIELDS,
} as const;

/**
 * pathUserWrite / userCreateUpdate: a new user needs a password; the token fields, then the
 * password, then the deprecated names, each in the handler's order.
 */
export function writeUser(input: RouteInput<typeof USER_FIELDS>, previous: User | undefined): User {
  const { fields, has } = input;
  if (!previous && fields.password === '') throw badRequest('missing password');
  const user: User = previous
    ? {
        password: previous.password,
        token: structuredClone(previous.token),
        legacy: structuredClone(previous.legacy),
      }
    : { password: undefined, ...defaultTokenSettings() };
  parseTokenFields(input, user.token);
  if (has('password')) user.password = newPassword(fields.password);
  // userpass never had `period` or `num_uses`: the upgrade sees them as absent.
  upgradeLegacyFields(
    {
      ...input,
      fields: { ...fields, period: 0, num_uses: 0 },
      has: (name) =>
        name !== 'period' && name !== 'num_uses' && has(name as keyof typeof USER_FIELDS & string),
    },
    user.token,
    user.legacy,
  );
  return user;
}

/**
 * updateUserPassword: an empty password is the client's error (400); bcrypt's refusal of a
 * password over 72 bytes is an internal one (500, wrapped by the core).
 */
export function newPassword(password: string): PasswordHash {
  if (password === '') throw badRequest('missing password');
  try {
    return hashPassword(password);
  } catch (error) {
    throw VaultError.wrapped(500, (error as Error).message);
  }
}

/** pathUserRead: the token fields and the deprecated names that are set; never the password. */
export function userView(user: User): Record<string, unknown> {
  const { policies, bound_cidrs, ttl, max_ttl } = legacyTokenData(user.token, user.legacy);
  return {
    ...tokenData(user.token),
    ...(ttl !== undefined ? { ttl } : {}),
    ...(max_ttl !== undefined ? { max_ttl } : {}),
    ...(policies !== undefined ? { policies } : {}),
    ...(bound_cidrs !== undefined ? { bound_cidrs } : {}),
  };
}
