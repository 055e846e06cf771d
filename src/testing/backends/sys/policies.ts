import { field } from '../../core/fields';
import { type DeclaredRoute, defineRoute } from '../../core/routes';
import { badRequest } from '../../core/vault-error';
import type { PolicyStore } from '../../store/policies';

const POLICY_FIELDS = {
  name: field('string', 'The name of the policy. Example: "ops"'),
  policy: field('string', 'The rules of the policy.'),
} as const;

/** ACL policies through both of Vault's APIs: the legacy `sys/policy` and `sys/policies/acl`. */
export function policyRoutes(): DeclaredRoute[] {
  const remove = (policies: PolicyStore, name: string) => {
    policies.delete(name);
    return null;
  };
  return [
    defineRoute({
      pattern: 'policy',
      handlers: {
        read: (req) => ({
          data: { keys: req.namespace.policies.names(), policies: req.namespace.policies.names() },
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
      exists: (req, { params }) => req.namespace.policies.get(params.name) !== undefined,
      handlers: {
        read: (req, { params }) => {
          const stored = req.namespace.policies.get(params.name);
          return stored ? { data: { name: stored.name, rules: stored.text }, injectDataIntoTop: true } : null;
        },
        update: (req, { fields, params }) => {
          const text = fields.policy || fields.rules;
          if (text === '') throw badRequest("'policy' parameter not supplied or empty");
          req.namespace.policies.put(params.name, text);
          return null;
        },
        delete: (req, { params }) => remove(req.namespace.policies, params.name),
      },
    }),
    defineRoute({
      pattern: 'policies/acl',
      handlers: { list: (req) => ({ data: { keys: req.namespace.policies.names() } }) },
    }),
    defineRoute({
      pattern: 'policies/acl/:name',
      fields: POLICY_FIELDS,
      exists: (req, { params }) => req.namespace.policies.get(params.name) !== undefined,
      handlers: {
        read: (req, { params }) => {
          const stored = req.namespace.policies.get(params.name);
          return stored ? { data: { name: stored.name, policy: stored.text } } : null;
        },
        update: (req, { fields, params }) => {
          if (fields.policy === '') throw badRequest("'policy' parameter not supplied or empty");
          req.namespace.policies.put(params.name, fields.policy);
          return null;
        },
        delete: (req, { params }) => remove(req.namespace.policies, params.name),
      },
    }),
  ];
}
