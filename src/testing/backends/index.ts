import type { KubernetesCluster } from '../cluster/kubernetes-cluster';
import type { BackendFactory } from '../core/vault-core';
import { appRoleBackend } from './approle/index';
import { databaseBackend } from './database';
import { jwtAuthBackend } from './jwt-auth/index';
import { kubernetesBackend } from './kubernetes-auth';
import { kvV1Backend } from './kv-v1';
import { kvV2Backend } from './kv-v2';
import { pkiBackend } from './pki';
import { tokenBackend } from './token-auth';
import { transitBackend } from './transit';
import { userpassBackend } from './userpass/index';

/** The plugin catalog: mount types the mock can enable through `sys/mounts` and `sys/auth`. */
export function backendCatalog(cluster: KubernetesCluster): Record<string, BackendFactory> {
  return {
    kv: (core, info) => (info.options.version === '2' ? kvV2Backend(core, info) : kvV1Backend(info)),
    database: (core, info) => databaseBackend(core, info),
    pki: (core, info) => pkiBackend(core, info),
    transit: (core, info) => transitBackend(core, info),
    kubernetes: (core, info) => kubernetesBackend(core, info, cluster),
    jwt: (core, info) => jwtAuthBackend(core, info, (url) => cluster.resolve(url)),
    oidc: (core, info) => jwtAuthBackend(core, info, (url) => cluster.resolve(url)),
    approle: (core, info) => appRoleBackend(core, info),
    userpass: (core, info) => userpassBackend(core, info),
    token: (core, info) => tokenBackend(core, info),
  };
}
