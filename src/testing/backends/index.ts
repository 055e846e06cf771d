import type { KubernetesCluster } from '../cluster/kubernetes-cluster';
import type { EngineCatalog } from '../core/engine';
import type { VaultCore } from '../core/vault-core';
import { appRoleBackend } from './approle/index';
import { databaseBackend } from './database/index';
import { jwtAuthBackend } from './jwt-auth/index';
import { kubernetesBackend } from './kubernetes/index';
import { kvV1Backend } from './kv/v1';
import { kvV2Backend } from './kv/v2/index';
import { pkiBackend } from './pki/index';
import { transitBackend } from './transit/index';
import { userpassBackend } from './userpass/index';

/**
 * The mock's own plugin catalog: the engine and auth method types `sys/mounts` and `sys/auth`
 * can enable. It is registered through the same door as a user's engines
 * (`startMockVault({ engines })`), after which a user's engine of the same name replaces it.
 */
export function builtinEngines(core: VaultCore, cluster: KubernetesCluster): EngineCatalog {
  return {
    kv: {
      kind: 'secret',
      create: (context) => (context.mount.options.version === '2' ? kvV2Backend() : kvV1Backend(context)),
    },
    database: { kind: 'secret', create: ({ mount }) => databaseBackend(core, mount) },
    pki: { kind: 'secret', create: (context) => pkiBackend(context) },
    transit: { kind: 'secret', create: () => transitBackend() },
    kubernetes: { kind: 'auth', create: (context) => kubernetesBackend(context, cluster) },
    jwt: { kind: 'auth', create: ({ mount }) => jwtAuthBackend(core, mount, (url) => cluster.resolve(url)) },
    oidc: { kind: 'auth', create: ({ mount }) => jwtAuthBackend(core, mount, (url) => cluster.resolve(url)) },
    approle: { kind: 'auth', create: ({ mount }) => appRoleBackend(core, mount) },
    userpass: { kind: 'auth', create: ({ mount }) => userpassBackend(core, mount) },
  };
}
