import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';

const POLICY_FIELDS = {
  name: field('string', 'The name of the policy. Example: "ops"'),
  policy: field('string', 'The rules of the policy.'),
} as const;

/** ACL policies through both of Vault's APIs: the legacy `sys/policy` and `sys/policies/acl`. */
export function policyRoutes(core: VaultCore): DeclaredRoute[] {
  const remove = (name: string) => {
    core.policies.delete(name);
    return null;
  };
  return [
    defineRoute({
      pattern: 'policy',
      handlers: {
        read: () => ({
          data: { keys: core.policies.names(), policies: core.policies.names() },
          injectDataIntoTop: true,
        }),
      },
    }),
    defineRoute({
      pattern: 'policy/:name',
      fields: {
        ...POLICY_FIELDS,
        rules: field('string', 'The rules of the policy (deprecated name of "policy").'),
      },
      exists: (_req, { params }) => core.policies.get(params.name) !== undefined,
      handlers: {
        read: (_req, { params }) => {
          const stored = core.policies.get(params.name);
          return stored ? { data: { name: stored.name, rules: stored.text }, injectDataIntoTop: true } : null;
        },
        update: (_req, { fields, params }) => {
          const text = fields.policy || fields.rules;
          if (text === '') throw badRequest("'policy' parameter not supplied or empty");
          core.policies.put(params.name, text);
          return null;
        },
        delete: (_req, { params }) => remove(params.name),
      },
    }),
    defineRoute({
      pattern: 'policies/acl',
      handlers: { list: () => ({ data: { keys: core.policies.names() } }) },
    }),
    defineRoute({
      pattern: 'policies/acl/:name',
      fields: POLICY_FIELDS,
      exists: (_req, { params }) => core.policies.get(params.name) !== undefined,
      handlers: {
        read: (_req, { params }) => {
          const stored = core.policies.get(params.name);
          return stored ? { data: { name: stored.name, policy: stored.text } } : null;
        },
        update: (_req, { fields, params }) => {
          if (fields.policy === '') throw badRequest("'policy' parameter not supplied or empty");
          core.policies.put(params.name, fields.policy);
          return null;
        },
        delete: (_req, { params }) => remove(params.name),
      },
    }),
  ];
}
