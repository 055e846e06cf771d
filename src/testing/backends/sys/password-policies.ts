import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';
import {
  generateFromPolicy,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  parsePasswordPolicy,
  passwordFromPolicy,
} from '../../policy/password-policy';

const NAME = { name: field('string', 'The name of the password policy.') } as const;

/**
 * Password policies, as Vault's `sys/policies/password` (handlePoliciesPassword*): stored as
 * written (base64 accepted), checked by generating ten passwords on write, used by secrets
 * engines that name one (the database engine's `password_policy`) and by `:name/generate`.
 */
export function passwordPolicyRoutes(core: VaultCore): DeclaredRoute[] {
  return [
    defineRoute({
      pattern: 'policies/password',
      handlers: { list: () => ({ data: { keys: [...core.passwordPolicies.keys()].sort() } }) },
    }),
    defineRoute({
      pattern: 'policies/password/:name',
      fields: { ...NAME, policy: field('string', 'The password policy.') },
      exists: (_req, { params }) => core.passwordPolicies.has(params.name),
      handlers: {
        read: (_req, { params }) => {
          const policy = core.passwordPolicies.get(params.name);
          if (policy === undefined) throw new VaultError(404, 'policy does not exist');
          return { data: { policy } };
        },
        update: (_req, { fields, params }) => {
          if (fields.policy === '') throw new VaultError(400, 'missing policy');
          const raw = decodeBase64(fields.policy) ?? fields.policy;
          let policy: ReturnType<typeof parsePasswordPolicy>;
          try {
            policy = parsePasswordPolicy(raw);
          } catch (error) {
            throw new VaultError(400, `invalid password policy: ${(error as Error).message}`);
          }
          if (policy.length > MAX_PASSWORD_LENGTH || policy.length < MIN_PASSWORD_LENGTH)
            throw new VaultError(
              400,
              `passwords must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`,
            );
          let failed = 0;
          const deadline = performance.now() + 1_000;
          for (let i = 0; i < 10; i++) {
            try {
              generateFromPolicy(policy, Math.max(0, deadline - performance.now()));
            } catch {
              failed++;
            }
          }
          if (failed === 10)
            throw new VaultError(
              400,
              'unable to generate password from provided policy in 1s: are the rules impossible?',
            );
          if (failed > 0)
            throw new VaultError(
              400,
              `failed to generate passwords ${failed} times out of 10 attempts in 1s - is the policy too restrictive?`,
            );
          core.passwordPolicies.set(params.name, raw);
          return { status: 204 };
        },
        delete: (_req, { params }) => {
          core.passwordPolicies.delete(params.name);
          return null;
        },
      },
    }),
    defineRoute({
      pattern: 'policies/password/:name/generate',
      fields: NAME,
      handlers: {
        read: (_req, { params }) => ({
          data: { password: passwordFromPolicy(core.passwordPolicies, params.name) },
        }),
      },
    }),
  ];
}

/** Go's base64.StdEncoding.DecodeString succeeding: strict standard alphabet with padding. */
function decodeBase64(text: string): string | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}
