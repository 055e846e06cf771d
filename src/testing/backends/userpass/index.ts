import { randomUUID } from 'node:crypto';
import { addressAllowed, parseAddressBlocks } from '../../core/address-blocks';
import type { Backend } from '../../core/backend';
import type { BackendRequest, BackendResult, MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { badRequest, VaultError } from '../../core/vault-error';
import { InvalidCredentials, LoginLockout } from '../auth-common/lockout';
import { loginAuth, sanitizePolicies } from '../auth-common/token-params';
import { list, str } from '../fields';
import { passwordMatches } from './password';
import { newPassword, USER_FIELDS, type User, userView, writeUser } from './user';

/**
 * The userpass auth method (builtin/credential/userpass): users with a password and token
 * settings, password and policy updates, login under Vault's user lockout, and renewal that
 * stops once the user is gone or its policies changed.
 */
export function userpassBackend(_core: VaultCore, _mount: MountInfo): Backend {
  const users = new Map<string, User>();
  const lockout = new LoginLockout();
  const entities = new Map<string, string>();
  const userOf = (name: string) => users.get(name.toLowerCase());
  const existingUser = (name: string): User => {
    const user = userOf(name);
    // A plain error outside a login: 500, wrapped by the core.
    if (!user) throw VaultError.wrapped(500, 'username does not exist');
    return user;
  };

  const login = (req: BackendRequest, username: string): BackendResult => {
    const password = str(req.data, 'password');
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
    if (user.params.token_bound_cidrs.length > 0) {
      if (!addressAllowed(req.remoteAddress, parseAddressBlocks(user.params.token_bound_cidrs))) {
        throw new VaultError(403, 'permission denied');
      }
    }
    let entityId = entities.get(name);
    if (!entityId) {
      entityId = randomUUID();
      entities.set(name, entityId);
    }
    return {
      auth: loginAuth(user.params, req.mount, {
        displayName: name,
        metadata: { username: name },
        role: name,
        entityId,
      }),
    };
  };

  return {
    unauthenticated: ['login/*'],
    routes: [
      { pattern: 'users', handlers: { list: () => ({ data: { keys: [...users.keys()].sort() } }) } },
      {
        pattern: 'users/:username',
        fields: USER_FIELDS,
        exists: (_req, p) => users.has(p.username!.toLowerCase()),
        handlers: {
          read: (_req, p) => {
            const user = userOf(p.username!);
            return user ? { data: userView(user) } : null;
          },
          update: (req, p) => {
            users.set(p.username!.toLowerCase(), writeUser(req.data, userOf(p.username!)));
            return null;
          },
          delete: (_req, p) => {
            users.delete(p.username!.toLowerCase());
            return null;
          },
        },
      },
      {
        pattern: 'users/:username/password',
        fields: ['username', 'password'],
        handlers: {
          update: (req, p) => {
            const user = existingUser(p.username!);
            user.password = newPassword(req.data);
            return null;
          },
        },
      },
      {
        pattern: 'users/:username/policies',
        fields: ['username', 'policies', 'token_policies'],
        handlers: {
          update: (req, p) => {
            const user = existingUser(p.username!);
            // pathUserPoliciesUpdate: policyutil.ParsePolicies, either name, deprecated copy kept in step.
            const key = req.data.token_policies !== undefined ? 'token_policies' : 'policies';
            if (req.data[key] === undefined) return null;
            const policies = sanitizePolicies(list(req.data, key) ?? [], false);
            user.params.token_policies = policies;
            user.legacy.policies = key === 'policies' || req.data.policies !== undefined ? policies : [];
            return null;
          },
        },
      },
      {
        pattern: 'login/:username',
        fields: ['username', 'password'],
        handlers: {
          // The core's user lockout keys on the username as typed (the alias lookahead does not lower-case it).
          update: (req, p) => lockout.guard(p.username!, req.now, () => login(req, p.username!)),
        },
      },
    ],
    // pathLoginRenew: no renewal once the user is gone; an error once its policies changed.
    renewToken: (token) => {
      const user = users.get(token.role);
      if (!user) return null;
      // policyutil.EquivalentPolicies: the same set but for `default`, compared as written (not lower-cased).
      const asSet = (names: readonly string[]) =>
        [...new Set(names.filter((p) => p !== 'default'))].sort().join(',');
      if (asSet(user.params.token_policies) !== asSet(token.policies)) {
        throw new VaultError(500, 'policies have changed, not renewing');
      }
      return {
        ttl: user.params.token_ttl,
        maxTtl: user.params.token_max_ttl,
        period: user.params.token_period,
      };
    },
  };
}
