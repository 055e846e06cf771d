import { readFileSync } from 'node:fs';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  createToken,
  enableKubernetesAuth,
  kind,
  type Reply,
  setupDatabase,
  writeRole,
} from './support/vault';

/**
 * Every exchange in vault-fixtures.json (copied from the shared docs so CI needs only the repo),
 * replayed against the mock: exact status, exact error strings, and the same keys with the same
 * JSON value kinds. Values in the fixtures are illustrative, so they are compared by kind only,
 * except where a scenario checks a value that the fixture's request determines.
 */
interface Fixture {
  name: string;
  method: string;
  path: string;
  request_body?: Record<string, unknown>;
  status: number;
  response_body: Record<string, unknown> | null;
  notes?: string;
}

interface Scenario {
  /** Why the fixture shows only part of the body: the mock may then answer more keys. */
  abbreviated?: string;
  /** Keys (dotted paths) of the fixture the mock leaves out or answers differently, and why. */
  differs?: Record<string, string>;
  /** Arranges state through the API, then sends the fixture's request (with the given body changes). */
  run(
    mock: MockVault,
    send: (changes?: Record<string, unknown>, token?: string | null) => Promise<Reply>,
  ): Promise<Reply>;
  check?(reply: Reply, mock: MockVault): void;
}

const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL('./fixtures/vault-fixtures.json', import.meta.url), 'utf8'),
);

/** vault-api.md §1.4: current Vault adds `mount_type` to every envelope; assembled fixtures may omit it. */
const ALWAYS_ALLOWED = new Set(['mount_type']);

function shapeMismatches(
  actual: unknown,
  expected: unknown,
  exact: boolean,
  differs: Record<string, string>,
  at = '',
): string[] {
  if (at in differs) return [];
  const where = at || '$';
  if (kind(actual) !== kind(expected)) return [`${where}: ${kind(actual)} instead of ${kind(expected)}`];
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length > 0 && actual.length > 0) {
    return shapeMismatches(actual[0], expected[0], exact, differs, `${at}[0]`);
  }
  if (kind(expected) !== 'object') return [];
  const have = actual as Record<string, unknown>;
  const want = expected as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(want)) {
    const path = at ? `${at}.${key}` : key;
    if (path in differs) continue;
    if (!(key in have)) problems.push(`${path}: missing`);
    else problems.push(...shapeMismatches(have[key], want[key], exact, differs, path));
  }
  if (exact) {
    for (const key of Object.keys(have)) {
      const path = at ? `${at}.${key}` : key;
      if (!(key in want) && !(at === '' && ALWAYS_ALLOWED.has(key)) && !(path in differs))
        problems.push(`${path}: not in the fixture`);
    }
  }
  return problems;
}

const versionMetadata = { custom_metadata: { owner: 'jdoe', mission_critical: 'false' } };

const scenarios: Record<string, Scenario> = {
  kubernetes_login_success_doc_sample: {
    abbreviated: 'notes: "Doc sample is abbreviated (only the auth block ...)"',
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      await writeRole(mock, 'dev-role', {
        bound_service_account_names: 'vault-auth',
        bound_service_account_namespaces: 'default',
      });
      const jwt = await mock.cluster.mintToken({ namespace: 'default', serviceAccount: 'vault-auth' });
      return send({ jwt }, null);
    },
    check(reply) {
      // A role without token_ttl gets the mount's default, which is the system's 768h.
      expect(reply.body.auth).toMatchObject({
        policies: ['default'],
        lease_duration: 2764800,
        renewable: true,
      });
      expect(reply.body.auth.metadata).toMatchObject({ role: 'dev-role', service_account_secret_name: '' });
    },
  },
  kubernetes_login_success_full_envelope: {
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      await writeRole(mock, 'my-app', {
        bound_service_account_names: 'my-app',
        bound_service_account_namespaces: 'apps',
        token_policies: 'my-app',
        token_ttl: '1h',
        audience: 'vault',
      });
      const jwt = await mock.cluster.mintToken({
        namespace: 'apps',
        serviceAccount: 'my-app',
        audiences: ['vault'],
      });
      return send({ jwt }, null);
    },
    check(reply) {
      expect(reply.body).toMatchObject({
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        mount_type: 'kubernetes',
      });
      expect(reply.body.auth).toMatchObject({
        policies: ['default', 'my-app'],
        token_policies: ['default', 'my-app'],
        lease_duration: 3600,
        token_type: 'service',
        orphan: true,
        mfa_requirement: null,
        num_uses: 0,
      });
      expect(reply.body.auth.client_token).toMatch(/^hvs\./);
    },
  },
  kubernetes_login_missing_role: {
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      return send({}, null);
    },
  },
  kubernetes_login_missing_jwt: {
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      return send({}, null);
    },
  },
  kubernetes_login_service_account_name_not_authorized: {
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      await writeRole(mock, 'my-app', {
        bound_service_account_names: 'my-app',
        bound_service_account_namespaces: 'apps',
      });
      return send(
        { jwt: await mock.cluster.mintToken({ namespace: 'apps', serviceAccount: 'other' }) },
        null,
      );
    },
  },
  kubernetes_login_audience_mismatch: {
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      await writeRole(mock, 'role-with-audience', {
        bound_service_account_names: 'my-app',
        bound_service_account_namespaces: 'apps',
        audience: 'vault',
      });
      return send(
        { jwt: await mock.cluster.mintToken({ namespace: 'apps', serviceAccount: 'my-app' }) },
        null,
      );
    },
  },
  kubernetes_login_tokenreview_or_signature_failure: {
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      await writeRole(mock, 'my-app', {
        bound_service_account_names: 'my-app',
        bound_service_account_namespaces: 'apps',
      });
      const jwt = await mock.cluster.mintToken({
        namespace: 'apps',
        serviceAccount: 'my-app',
        foreignKey: true,
      });
      return send({ jwt }, null);
    },
  },
  kubernetes_role_write_without_audience_warning: {
    differs: { 'warnings[0]': 'wording differs by plugin version; checked below against the current text' },
    async run(mock, send) {
      await enableKubernetesAuth(mock);
      return send();
    },
    check(reply) {
      expect(reply.body.warnings).toEqual([
        'Role my-role does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.',
      ]);
    },
  },
  token_lookup_self: {
    abbreviated: "notes: \"Real responses also carry 'type' ... and full envelope fields around 'data'\"",
    differs: {
      'data.identity_policies':
        'comes from identity groups, which the mock does not model; Vault omits it when empty',
    },
    async run(mock, send) {
      const token = await createToken(mock, ['testgroup2-policy'], {
        meta: { username: 'tesla' },
        ttl: '768h',
        display_name: 'ldap2-tesla',
      });
      await mock.clock.advance(10_000);
      return send(undefined, token);
    },
    check(reply) {
      expect(reply.body.data).toMatchObject({
        creation_ttl: 2764800,
        ttl: 2764790,
        meta: { username: 'tesla' },
        policies: ['default', 'testgroup2-policy'],
        type: 'service',
      });
    },
  },
  token_renew_self: {
    abbreviated: 'notes: "Abbreviated doc sample; real auth block has the full HTTPAuth field set."',
    async run(mock, send) {
      return send(
        undefined,
        await createToken(mock, ['web', 'stage'], { meta: { user: 'armon' }, ttl: '30m' }),
      );
    },
    check(reply) {
      expect(reply.body.auth).toMatchObject({
        lease_duration: 3600,
        renewable: true,
        metadata: { user: 'armon' },
      });
    },
  },
  token_revoke_self: {
    async run(mock, send) {
      return send(undefined, await createToken(mock, ['default']));
    },
    check(reply) {
      expect(reply.headers.get('content-type')).toBe('application/json');
      expect(reply.headers.get('cache-control')).toBe('no-store');
    },
  },
  missing_token: { run: (_mock, send) => send(undefined, null) },
  policy_permission_denied: {
    async run(mock, send) {
      return send(undefined, await createToken(mock, ['default']));
    },
  },
  sys_leases_renew: {
    abbreviated: 'notes: "Abbreviated: real body is the full envelope"',
    async run(mock, send) {
      await setupDatabase(mock, 'deploy');
      const creds = await call(mock, 'GET', 'database/creds/deploy');
      return send({ lease_id: creds.body.lease_id });
    },
    check(reply) {
      expect(reply.body).toMatchObject({ renewable: true, lease_duration: 1800 });
      expect(reply.body.lease_id).toMatch(/^database\/creds\/deploy\/[0-9A-Za-z]{24}$/);
    },
  },
  sys_leases_lookup_not_found: { run: (_mock, send) => send() },
  sys_leases_revoke: {
    async run(mock, send) {
      await setupDatabase(mock, 'readonly');
      const creds = await call(mock, 'GET', 'database/creds/readonly');
      const reply = await send({ lease_id: creds.body.lease_id });
      expect(mock.leases()).toEqual([]);
      return reply;
    },
  },
  kv_v1_read: {
    abbreviated: 'doc sample: only the envelope fields the page discusses',
    async run(mock, send) {
      await mountKvV1(mock);
      expect((await call(mock, 'POST', 'secret/my-secret', { foo: 'bar', ttl: '1h' })).status).toBe(204);
      return send();
    },
    check(reply) {
      expect(reply.body).toMatchObject({
        data: { foo: 'bar', ttl: '1h' },
        lease_duration: 3600,
        lease_id: '',
      });
    },
  },
  kv_v1_list: {
    abbreviated: 'doc sample: only the envelope fields the page discusses',
    async run(mock, send) {
      await mountKvV1(mock);
      await call(mock, 'POST', 'secret/foo', { a: 1 });
      await call(mock, 'POST', 'secret/foo/bar', { a: 1 });
      return send();
    },
    check(reply) {
      expect(reply.body.data.keys).toEqual(['foo', 'foo/']);
    },
  },
  kv_v2_read: {
    abbreviated: 'doc sample: only `data` shown',
    async run(mock, send) {
      await call(mock, 'POST', 'secret/metadata/my-secret', versionMetadata);
      await call(mock, 'POST', 'secret/data/my-secret', { data: { foo: 'old' } });
      await call(mock, 'POST', 'secret/data/my-secret', { data: { foo: 'bar' } });
      return send();
    },
    check(reply) {
      expect(reply.body.data).toMatchObject({
        data: { foo: 'bar' },
        metadata: { version: 2, ...versionMetadata },
      });
    },
  },
  kv_v2_write: {
    abbreviated: 'doc sample: only `data` shown',
    async run(mock, send) {
      await call(mock, 'POST', 'secret/metadata/my-secret', versionMetadata);
      return send();
    },
    check(reply) {
      expect(reply.body.data).toMatchObject({ version: 1, deletion_time: '', destroyed: false });
    },
  },
  kv_v2_read_not_found: { run: (_mock, send) => send() },
  kv_v2_wrong_path_shape: {
    run: (_mock, send) => send(),
    check(reply) {
      expect(reply.body.warnings).toEqual([
        "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
      ]);
    },
  },
  database_creds: {
    abbreviated: 'notes: "Abbreviated doc sample"',
    async run(mock, send) {
      await setupDatabase(mock, 'my-role');
      return send();
    },
    check(reply) {
      expect(reply.body).toMatchObject({ renewable: true, lease_duration: 3600 });
      expect(reply.body.lease_id).toMatch(/^database\/creds\/my-role\//);
    },
  },
  database_static_creds: {
    abbreviated: 'doc sample: only `data` shown',
    async run(mock, send) {
      await setupDatabase(mock, 'unused');
      await call(mock, 'POST', 'database/config/postgres', { allowed_roles: '*' });
      const role = await call(mock, 'POST', 'database/static-roles/my-static-role', {
        db_name: 'postgres',
        username: 'static-user',
        rotation_period: 30,
      });
      expect(role.status, role.text).toBeLessThan(300);
      return send();
    },
    check(reply) {
      expect(reply.body).toMatchObject({ lease_id: '', lease_duration: 0 });
      expect(reply.body.data).toMatchObject({ username: 'static-user', rotation_period: 30 });
    },
  },
  pki_issue: {
    abbreviated: 'notes: "Real responses also contain data.expiration"',
    differs: { warnings: 'notes: the doc sample shows "", real Vault answers null or an array' },
    async run(mock, send) {
      for (const [path, body] of [
        // As Vault's PKI guide does: a root outliving the 768h default needs a longer mount max TTL.
        ['sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } }],
        ['pki/root/generate/internal', { common_name: 'example.com', ttl: '87600h' }],
        [
          'pki/roles/my-role',
          { allowed_domains: 'example.com', allow_subdomains: true, generate_lease: true, ttl: '6h' },
        ],
      ] as const) {
        const res = await call(mock, 'POST', path, body);
        expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
      }
      return send();
    },
    check(reply) {
      expect(reply.body.renewable).toBe(false);
      // Vault's TTL is the time to the certificate's NotAfter (whole seconds), truncated: 21599 or 21600.
      expect(21600 - reply.body.lease_duration).toBeLessThanOrEqual(1);
      expect(reply.body.data.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(reply.body.warnings === null || Array.isArray(reply.body.warnings)).toBe(true);
    },
  },
  transit_encrypt: {
    abbreviated: 'notes: "Current code also returns data.key_version"',
    async run(mock, send) {
      await call(mock, 'POST', 'sys/mounts/transit', { type: 'transit' });
      return send();
    },
    check(reply) {
      expect(reply.body.data.ciphertext).toMatch(/^vault:v1:/);
    },
  },
  transit_decrypt: {
    abbreviated: 'doc sample: only `data` shown',
    async run(mock, send) {
      await call(mock, 'POST', 'sys/mounts/transit', { type: 'transit' });
      const sealed = await call(mock, 'POST', 'transit/encrypt/my-key', {
        plaintext: 'dGhlIHF1aWNrIGJyb3duIGZveAo=',
      });
      // The fixture's ciphertext came from another key; the mock's own ciphertext of the same plaintext stands in.
      return send({ ciphertext: sealed.body.data.ciphertext });
    },
    check(reply) {
      expect(reply.body.data.plaintext).toBe('dGhlIHF1aWNrIGJyb3duIGZveAo=');
    },
  },
  sys_health_active: {
    abbreviated: 'notes: "1.19+ may add removed_from_cluster, ..."',
    run: (_mock, send) => send(undefined, null),
  },
  sys_health_standby: {
    abbreviated: 'same body as sys_health_active, whose notes list the newer fields',
    run(mock, send) {
      mock.health.standby = true;
      return send(undefined, null);
    },
  },
  sealed: {
    async run(mock, send) {
      expect((await call(mock, 'PUT', 'sys/seal')).status).toBe(204);
      return send();
    },
  },
  rate_limit_quota_exceeded: {
    async run(mock, send) {
      mock.faults.rateLimit(1, 1000);
      await send();
      return send();
    },
    check(reply) {
      expect(reply.headers.get('retry-after')).toBe('1');
    },
  },
};

async function mountKvV1(mock: MockVault): Promise<void> {
  expect((await call(mock, 'DELETE', 'sys/mounts/secret')).status).toBe(204);
  expect(
    (await call(mock, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '1' } })).status,
  ).toBe(204);
}

let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
});
afterEach(async () => {
  await mock.close();
});

describe('vault-fixtures.json replayed against the mock', () => {
  it('has a scenario for every fixture', () => {
    expect(fixtures.map((f) => f.name).filter((name) => !(name in scenarios))).toEqual([]);
  });

  for (const fixture of fixtures) {
    const scenario = scenarios[fixture.name];
    if (!scenario) continue;
    it(`${fixture.name}: ${fixture.method} ${fixture.path} → ${fixture.status}`, async () => {
      const send = (changes: Record<string, unknown> = {}, token?: string | null) => {
        const body = fixture.request_body ? { ...fixture.request_body, ...changes } : undefined;
        return call(mock, fixture.method, fixture.path.replace(/^\/v1\//, ''), body, { token });
      };
      const reply = await scenario.run(mock, send);
      expect(reply.status, reply.text).toBe(fixture.status);
      const expected = fixture.response_body;
      if (expected === null) {
        expect(reply.text).toBe('');
      } else if (Array.isArray(expected.errors)) {
        expect(reply.body).toEqual({ errors: expected.errors });
      } else {
        const exact = scenario.abbreviated === undefined;
        expect(shapeMismatches(reply.body, expected, exact, scenario.differs ?? {})).toEqual([]);
      }
      scenario.check?.(reply, mock);
    });
  }
});
