import { addressAllowed, parseAddressBlocks } from '../../core/address-blocks';
import type { Backend } from '../../core/backend';
import { field } from '../../core/fields';
import { defineRoute, type RouteInput } from '../../core/routes';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, VaultError } from '../../core/vault-error';
import { EntityAliases } from '../auth-common/entity-aliases';
import { InvalidCredentials, LoginLockout } from '../auth-common/lockout';
import { loginAuth, sanitizePolicies } from '../auth-common/login-auth';
import { passwordMatches } from './password';
import { newPassword, USER_FIELDS, type User, userView, writeUser } from './user';

/**
 * The userpass auth method (builtin/credential/userpass): users with a password and token
 * settings, password and policy updates, login under Vault's user lockout, and renewal that
 * stops once the user is gone or its policies changed.
 */
const PASSWORD_FIELDS = {
  username: field('string', 'Username of the user.'),
  password: field('string', 'Password for this user.'),
} as const;

const POLICY_FIELDS = {
  username: field('string', 'Username for this user.'),
  policies: field('commaStringSlice', "Use 'token_policies' instead."),
  token_policies: field('commaStringSlice', 'Comma-separated list of policies'),
} as const;

export function userpassBackend(_core: VaultCore, _mount: MountInfo): Backend {
  const users = new Map<string, User>();
  const lockout = new LoginLockout();
  const entities = new EntityAliases();
  const userOf = (name: string) => users.get(name.toLowerCase());
  const existingUser = (name: string): User => {
    const user = userOf(name);
    // A plain error outside a login: 500, wrapped by the core.
    if (!user) throw VaultError.wrapped(500, 'username does not exist');
    return user;
  };

  const login = (req: BackendRequest, username: string, password: string): BackendResult => {
    // A plain error of a login handler: 500, verbatim.
    if (password === '') throw new VaultError(500, 'missing password');
    const name = username.toLowerCase();
    const user = users.get(name);
    if (!user?.password || !passwordMatches(user.password, password)) {
      // Only a known user's failures count towards the lockout.
      throw user
        ? new InvalidCredentials('invalid username or password')
        : badRequest('invalid username or password');
    }
    if (user.token.boundCidrs.length > 0) {
      if (!addressAllowed(req.remoteAddress, parseAddressBlocks(user.token.boundCidrs))) {
        throw new VaultError(403, 'permission denied');
      }
    }
    return {
      auth: loginAuth(user.token, req.mount, {
        displayName: name,
        metadata: { username: name },
        role: name,
        entityId: entities.idFor(name),
      }),
    };
  };

  // pathUserPoliciesUpdate: policyutil.ParsePolicies, either name, the deprecated copy kept in step.
  const updatePolicies = ({ params, fields, has }: RouteInput<typeof POLICY_FIELDS, 'username'>) => {
    const user = existingUser(params.username);
    if (has('token_policies')) {
      user.token.policies = sanitizePolicies(fields.token_policies, false);
      user.legacy.policies = has('policies') ? user.token.policies : [];
    } else if (has('policies')) {
      user.token.policies = user.legacy.policies = sanitizePolicies(fields.policies, false);
    }
    return null;
  };

  return {
    unauthenticated: ['login/*'],
    routes: [
      defineRoute({
        pattern: 'users',
        handlers: { list: () => ({ data: { keys: [...users.keys()].sort() } }) },
      }),
      defineRoute({
        pattern: 'users/:username',
        fields: USER_FIELDS,
        exists: (_req, { params }) => users.has(params.username.toLowerCase()),
        handlers: {
          read: (_req, { params }) => {
            const user = userOf(params.username);
            return user ? { data: userView(user) } : null;
          },
          update: (_req, input) => {
            users.set(input.params.username.toLowerCase(), writeUser(input, userOf(input.params.username)));
            return null;
          },
          delete: (_req, { params }) => {
            users.delete(params.username.toLowerCase());
            return null;
          },
        },
      }),
      defineRoute({
        pattern: 'users/:username/password',
        fields: PASSWORD_FIELDS,
        handlers: {
          update: (_req, { params, fields }) => {
            const user = existingUser(params.username);
            user.password = newPassword(fields.password);
            return null;
          },
        },
      }),
      defineRoute({
        pattern: 'users/:username/policies',
        fields: POLICY_FIELDS,
        handlers: { update: (_req, input) => updatePolicies(input) },
      }),
      defineRoute({
        pattern: 'login/:username',
        fields: PASSWORD_FIELDS,
        handlers: {
          // The core's user lockout keys on the username as typed (the alias lookahead does not lower-case it).
          update: (req, { params, fields }) =>
            lockout.guard(params.username, req.now, () => login(req, params.username, fields.password)),
        },
      }),
    ],
    // pathLoginRenew: no renewal once the user is gone; an error once its policies changed.
    renewToken: (token) => {
      const user = users.get(token.role);
      if (!user) return null;
      // policyutil.EquivalentPolicies: the same set but for `default`, compared as written (not lower-cased).
      const asSet = (names: readonly string[]) =>
        [...new Set(names.filter((p) => p !== 'default'))].sort().join(',');
      if (asSet(user.token.policies) !== asSet(token.policies)) {
        throw new VaultError(500, 'policies have changed, not renewing');
      }
      return {
        ttl: user.token.ttl,
        maxTtl: user.token.maxTtl,
        period: user.token.period,
      };
    },
  };
}
