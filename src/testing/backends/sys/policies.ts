import type { Route } from '../../core/routes';
import type { VaultCore } from '../../core/vault-core';
import { badRequest } from '../../core/vault-error';
import { str } from '../fields';

/** ACL policies through both of Vault's APIs: the legacy `sys/policy` and `sys/policies/acl`. */
export function policyRoutes(core: VaultCore): Route[] {
  const write =
    (field: 'policy' | 'rules') => (req: { data: Record<string, unknown> }, p: Record<string, string>) => {
      const text = str(req.data, 'policy') || (field === 'rules' ? str(req.data, 'rules') : '');
      if (text === '') throw badRequest("'policy' parameter not supplied or empty");
      core.policies.put(p.name!, text);
      return null;
    };
  const remove = (_req: unknown, p: Record<string, string>) => {
    core.policies.delete(p.name!);
    return null;
  };
  const exists = (_req: unknown, p: Record<string, string>) => core.policies.get(p.name!) !== undefined;
  return [
    {
      pattern: 'policy',
      handlers: {
        read: () => ({
          data: { keys: core.policies.names(), policies: core.policies.names() },
          injectDataIntoTop: true,
        }),
      },
    },
    {
      pattern: 'policy/:name',
      exists,
      handlers: {
        read: (_req, p) => {
          const stored = core.policies.get(p.name!);
          return stored ? { data: { name: stored.name, rules: stored.text }, injectDataIntoTop: true } : null;
        },
        update: write('rules'),
        delete: remove,
      },
    },
    {
      pattern: 'policies/acl',
      handlers: { list: () => ({ data: { keys: core.policies.names() } }) },
    },
    {
      pattern: 'policies/acl/:name',
      exists,
      handlers: {
        read: (_req, p) => {
          const stored = core.policies.get(p.name!);
          return stored ? { data: { name: stored.name, policy: stored.text } } : null;
        },
        update: write('policy'),
        delete: remove,
      },
    },
  ];
}
