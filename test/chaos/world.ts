import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import type { Rng } from './random';

export type SecretKind = 'dynamic' | 'static' | 'kv2' | 'kv1' | 'pki';

/** One managed secret of the scenario and what the judge needs to know about it. */
export interface SecretSpec {
  key: string;
  kind: SecretKind;
  path: string;
  body?: Record<string, unknown>;
  /** Static roles: Vault rotates at `createdAt + k * periodMs`. */
  staticRotation?: { createdAt: number; periodMs: number };
}

/** KV writes over the run, per path: what version (or revision) existed from when. */
export type KvHistory = Map<string, { version: number; at: number }[]>;

export interface World {
  mock: MockVault;
  tokenPath: string;
  specs: SecretSpec[];
  kvHistory: KvHistory;
  /** Writes a new version of a random KV secret, as an operator would now and then. */
  writeKv(rng: Rng): Promise<void>;
}

export const COUNTS = { dynamic: 18, static: 5, kv2: 12, kv1: 7, pki: 8 } as const;

/** Dynamic roles' TTL and max TTL: renewable, capped soon, and capped at once (ttl = max_ttl). */
const DYNAMIC_TTLS = [
  ['10m', '30m'],
  ['15m', '1h'],
  ['20m', '20m'],
  ['30m', '2h'],
  ['1h', '4h'],
  ['2h', '8h'],
] as const;
const STATIC_PERIODS = ['30m', '1h', '2h', '45m', '90m'] as const;
const CERT_TTLS = ['2h', '4h', '6h', '12h'] as const;

const POLICY = `
path "secret/data/chaos/*" { capabilities = ["read"] }
path "secret/metadata/chaos/*" { capabilities = ["read"] }
path "kv1/chaos/*" { capabilities = ["read"] }
path "database/creds/*" { capabilities = ["read"] }
path "database/static-creds/*" { capabilities = ["read"] }
path "pki/issue/web" { capabilities = ["update"] }
path "sys/leases/revoke" { capabilities = ["update"] }
`;

/** A mock Vault set up with 50 secrets of every kind a service uses, behind Kubernetes auth. */
export async function createWorld(): Promise<World> {
  const mock = await startMockVault();
  // A short token max TTL, so the run also sees logins for max-ttl and the leases that go with them.
  await mock.setupKubernetesAuth({ roleFields: { token_ttl: '1h', token_max_ttl: '6h' } });
  await mock.write('sys/policies/acl/myapp-policy', { policy: POLICY });
  const tokenPath = await mock.cluster.writeToken({
    namespace: 'default',
    serviceAccount: 'myapp-sa',
    expiresIn: 30 * 86_400,
  });
  const specs: SecretSpec[] = [];
  const kvHistory: KvHistory = new Map();
  const now = () => mock.clock.now();

  await mock.write('sys/mounts/database', { type: 'database' });
  const dynamicRoles = Array.from({ length: COUNTS.dynamic }, (_, i) => `dyn-${i}`);
  const staticRoles = Array.from({ length: COUNTS.static }, (_, i) => `static-${i}`);
  await mock.write('database/config/pg', {
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db:5432/app',
    allowed_roles: [...dynamicRoles, ...staticRoles],
    username: 'vault',
    password: 'root-password',
  });
  for (const [i, role] of dynamicRoles.entries()) {
    const [ttl, maxTtl] = DYNAMIC_TTLS[i % DYNAMIC_TTLS.length]!;
    await mock.write(`database/roles/${role}`, {
      db_name: 'pg',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`],
      default_ttl: ttl,
      max_ttl: maxTtl,
    });
    specs.push({ key: role, kind: 'dynamic', path: `database/creds/${role}` });
  }
  for (const [i, role] of staticRoles.entries()) {
    const period = STATIC_PERIODS[i % STATIC_PERIODS.length]!;
    await mock.write(`database/static-roles/${role}`, {
      db_name: 'pg',
      username: `static-user-${i}`,
      rotation_period: period,
    });
    const periodMs = (await mock.read(`database/static-roles/${role}`)).body as {
      data: { rotation_period: number };
    };
    specs.push({
      key: role,
      kind: 'static',
      path: `database/static-creds/${role}`,
      staticRotation: { createdAt: now(), periodMs: periodMs.data.rotation_period * 1000 },
    });
  }

  for (let i = 0; i < COUNTS.kv2; i++) {
    const path = `secret/data/chaos/kv2-${i}`;
    await mock.write(path, { data: { api_key: `kv2-${i}-v1` } });
    kvHistory.set(path, [{ version: 1, at: now() }]);
    specs.push({ key: `kv2-${i}`, kind: 'kv2', path });
  }
  await mock.write('sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
  for (let i = 0; i < COUNTS.kv1; i++) {
    const path = `kv1/chaos/kv1-${i}`;
    await mock.write(path, { rev: 1, api_key: `kv1-${i}-r1` });
    kvHistory.set(path, [{ version: 1, at: now() }]);
    specs.push({ key: `kv1-${i}`, kind: 'kv1', path });
  }

  await mock.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await mock.write('pki/root/generate/internal', {
    common_name: 'example.com',
    ttl: '8760h',
    key_type: 'ec',
  });
  // EC keys: an RSA key per issue would cost the run seconds of real time.
  await mock.write('pki/roles/web', {
    allowed_domains: ['example.com'],
    allow_subdomains: true,
    key_type: 'ec',
    max_ttl: '24h',
    ttl: '6h',
  });
  for (let i = 0; i < COUNTS.pki; i++) {
    specs.push({
      key: `pki-${i}`,
      kind: 'pki',
      path: 'pki/issue/web',
      body: { common_name: `svc-${i}.example.com`, ttl: CERT_TTLS[i % CERT_TTLS.length] },
    });
  }

  const writeKv = async (rng: Rng) => {
    const path = rng.pick([...kvHistory.keys()]);
    const history = kvHistory.get(path)!;
    const version = history.at(-1)!.version + 1;
    const body = path.startsWith('secret/')
      ? { data: { api_key: `${path}-v${version}` } }
      : { rev: version, api_key: `${path}-r${version}` };
    // An operator's write fails like anyone's while Vault is sealed.
    if ((await mock.request('POST', path, body)).status < 400) history.push({ version, at: now() });
  };
  return { mock, tokenPath, specs, kvHistory, writeKv };
}
