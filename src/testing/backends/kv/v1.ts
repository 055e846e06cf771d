import type { Backend } from '../../core/backend';
import { SYSTEM_MAX_TTL } from '../../core/durations';
import type { EngineContext } from '../../core/engine';
import { parseDurationSecond } from '../../core/go-parse';
import { defineRoute } from '../../core/routes';
import type { BackendRequest } from '../../core/types';
import { badRequest } from '../../core/vault-error';

/**
 * KV version 1: flat key/value maps, no versions, no leases (the `ttl` key is advisory). The
 * path takes arbitrary input: whatever a write sends is the secret.
 */
export function kvV1Backend({ mount }: EngineContext): Backend {
  const store = new Map<string, Record<string, unknown>>();
  const key = (req: BackendRequest) => req.path.replace(/\/$/, '');

  const write = (req: BackendRequest) => {
    if (req.path.endsWith('/')) throw badRequest("cannot write to a path ending in '/'");
    if (key(req) === '') throw badRequest('missing path');
    store.set(key(req), structuredClone(req.data));
    return null;
  };

  return {
    routes: [
      defineRoute({
        pattern: '*path',
        takesArbitraryInput: true,
        exists: (req) => store.has(key(req)),
        handlers: {
          read: (req) => {
            const data = store.get(key(req));
            if (!data) return null;
            // Vault reports a `ttl` key as the lease duration, though no lease is created.
            let ttl = 0;
            try {
              ttl = parseDurationSecond(data.ttl);
            } catch {
              // passthrough.go ignores a ttl it cannot parse
            }
            return {
              data: { ...data },
              leaseFields: {
                lease_id: '',
                renewable: false,
                lease_duration: ttl || mount.defaultLeaseTtl || SYSTEM_MAX_TTL,
              },
            };
          },
          list: (req) => {
            const prefix = req.path === '' || req.path.endsWith('/') ? req.path : `${req.path}/`;
            const keys = new Set<string>();
            for (const k of store.keys()) {
              if (!k.startsWith(prefix)) continue;
              const rest = k.slice(prefix.length);
              const slash = rest.indexOf('/');
              keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
            }
            return { data: { keys: [...keys].sort() } };
          },
          create: write,
          update: write,
          delete: (req) => {
            store.delete(key(req));
            return null;
          },
        },
      }),
    ],
  };
}
