import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { DatabaseCredentials } from 'vault-kubernetes-client';
import { InvalidRequestError, ResponseShapeError, type Secret } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { opensslRootCa } from '../testing/support/openssl';
import { type EngineFixture, engineFixture } from './fixture';

let f: EngineFixture;
afterEach(async () => {
  await f?.close();
});

const HOUR = 3_600_000;
const POLICY = `
path "database/creds/app"               { capabilities = ["read"] }
path "database/static-creds/static-app" { capabilities = ["read"] }
path "sys/leases/revoke"                { capabilities = ["update"] }
`;

const setup = async (mock: EngineFixture['mock']) => {
  await mock.write('sys/mounts/database', { type: 'database' });
  await mock.write('database/config/app-db', {
    // The mock's simulated database (a postgresql plugin would connect to a real server).
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db.internal:5432/app',
    username: 'vault-admin',
    password: 'root-secret',
    allowed_roles: 'app,static-app',
  });
  await mock.write('database/roles/app', {
    db_name: 'app-db',
    creation_statements: 'CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';',
    default_ttl: '1h',
    max_ttl: '2h',
  });
  await mock.write('database/static-roles/static-app', {
    db_name: 'app-db',
    username: 'static-user',
    rotation_period: 3600,
  });
};

describe('vault.database(mount)', () => {
  it('credentials(role): typed, leased, cached, and a live database user', async () => {
    f = await engineFixture(POLICY, setup);
    const db = f.vault.database();
    const creds = await db.credentials('app');
    expect(Object.keys(creds.data).sort()).toEqual(['password', 'username']);
    expect(creds.lease).toMatchObject({ renewable: true, ttlMs: HOUR });
    const dynamic = f.mock.databaseUsers({ live: true }).filter((u) => u.kind === 'dynamic');
    expect(dynamic.map((u) => u.username)).toEqual([creds.data.username]);
    // Managed like secret(): a second call is served from the cache.
    expect((await db.credentials('app')).data).toEqual(creds.data);
    expect(f.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
  });

  it('watchCredentials(role): the first pair, then a new live pair before the 2 h max TTL', async () => {
    f = await engineFixture(POLICY, setup);
    const seen: Secret<DatabaseCredentials>[] = [];
    const stop = f.vault.database().watchCredentials('app', (creds) => void seen.push(creds));
    await stop.ready;
    for (let i = 0; i < 4; i++) await f.mock.clock.advance(HOUR / 2);
    stop();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen.map((s) => s.data.username)).size).toBe(seen.length);
    const live = f.mock.databaseUsers({ live: true }).map((u) => u.username);
    expect(live).toContain(seen.at(-1)!.data.username);
  });

  it("staticCredentials(role): Vault's rotation fields, typed", async () => {
    f = await engineFixture(POLICY, setup);
    const creds = await f.vault.database().staticCredentials('static-app');
    expect(creds.data.username).toBe('static-user');
    expect(creds.data.rotation_period).toBe(3600);
    expect(typeof creds.data.password).toBe('string');
    expect(creds.lease).toBeUndefined();
  });

  it('credentials(role, { type }): a key pair or a client certificate, typed; a mismatched type is a shape error', async () => {
    const ca = opensslRootCa('/CN=DB Client CA');
    f = await engineFixture(
      `${POLICY}\npath "database/creds/keys" { capabilities = ["read"] }\npath "database/creds/certs" { capabilities = ["read"] }`,
      async (mock) => {
        await setup(mock);
        await mock.write('database/config/app-db', { allowed_roles: '*' });
        await mock.write('database/roles/keys', { db_name: 'app-db', credential_type: 'rsa_private_key' });
        await mock.write('database/roles/certs', {
          db_name: 'app-db',
          credential_type: 'client_certificate',
          credential_config: {
            common_name_template: '{{.RoleName}}-{{random 6}}',
            ca_cert: ca.certificate,
            ca_private_key: ca.privateKey,
            key_type: 'ec',
          },
          default_ttl: '1h',
        });
        await mock.clock.advance(60_000); // past the CA's notBefore, which leaves are backdated before
      },
    );
    const db = f.vault.database();
    const keys = await db.credentials('keys', { type: 'rsa_private_key' });
    expect(createPrivateKey(keys.data.rsa_private_key).asymmetricKeyType).toBe('rsa');
    expect(keys.lease).toMatchObject({ renewable: true });
    const certs = await db.credentials('certs', { type: 'client_certificate' });
    const cert = new X509Certificate(certs.data.client_certificate);
    expect(cert.verify(new X509Certificate(ca.certificate).publicKey)).toBe(true);
    expect(cert.subject).toMatch(/^CN=certs-[0-9A-Za-z]{6}$/);
    expect(certs.data.private_key_type).toBe('ec');
    // The app asked for the wrong type: the answer lacks its fields, and the error names them only.
    const wrong = await db.credentials('app', { type: 'client_certificate' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ResponseShapeError);
    expect((wrong as Error).message).toContain('client_certificate');
    expect(JSON.stringify(wrong)).not.toContain('BEGIN');
    await expect(db.credentials('app', { type: 'ssh' as 'password' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('a role name with a slash, or an empty mount, is refused before anything is sent', async () => {
    f = await engineFixture(POLICY, setup);
    await expect(f.vault.database().credentials('app/../x')).rejects.toBeInstanceOf(InvalidRequestError);
    expect(() => f.vault.database('/')).toThrow(InvalidRequestError);
  });
});
