import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/testing/x509/certificates';
import { opensslCsr, opensslRootCa } from './support/openssl';
import { call } from './support/vault';

/*
 * credential_type rsa_private_key and client_certificate on dynamic roles, as hashicorp/vault
 * builtin/logical/database answers them: credentials.go (generators and their validation words),
 * path_roles.go ("credential_config validation failed: %s") and path_creds_create.go (the answer's
 * fields; "unsupported credential_type: %q" for a plugin that only takes passwords).
 */

let mock: MockVault;
const put = (path: string, body: unknown = {}) => call(mock, 'POST', path, body);
const get = (path: string) => call(mock, 'GET', path);

beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('sys/mounts/database', { type: 'database' });
  await mock.write('database/config/app-db', {
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'snowflake://{{username}}@example/app',
    allowed_roles: '*',
  });
});
afterEach(async () => {
  await mock.close();
});

describe('credential_type rsa_private_key', () => {
  it('gives a username and a PKCS#8 RSA key, leased like a password; the config reads back completed', async () => {
    const role = await put('database/roles/keys', {
      db_name: 'app-db',
      credential_type: 'rsa_private_key',
      default_ttl: '1h',
    });
    expect(role.status).toBe(204);
    const read = await get('database/roles/keys');
    expect(read.body.data).toMatchObject({
      credential_type: 'rsa_private_key',
      credential_config: { format: 'pkcs8', key_bits: 2048 },
    });
    const creds = await get('database/creds/keys');
    expect(creds.status).toBe(200);
    expect(Object.keys(creds.body.data).sort()).toEqual(['rsa_private_key', 'username']);
    expect(creds.body.data.rsa_private_key).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/,
    );
    const key = createPrivateKey(creds.body.data.rsa_private_key);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(creds.body).toMatchObject({ renewable: true, lease_duration: 3600 });
    expect(mock.databaseUsers({ live: true }).map((u) => u.username)).toEqual([creds.body.data.username]);
  });

  it('refuses a config the generator would not take', async () => {
    const write = (credential_config: Record<string, string>) =>
      put('database/roles/keys', {
        db_name: 'app-db',
        credential_type: 'rsa_private_key',
        credential_config,
      });
    expect((await write({ key_bits: '1024' })).body.errors).toEqual([
      'credential_config validation failed: invalid key_bits: 1024',
    ]);
    expect((await write({ format: 'pem' })).body.errors).toEqual([
      'credential_config validation failed: invalid format: pem',
    ]);
    expect((await write({ key_bits: 'many' })).body.errors[0]).toMatch(
      /^credential_config validation failed: 1 error\(s\) decoding:\n\n\* cannot parse 'key_bits' as int/,
    );
    expect((await write({ key_bits: '4096' })).status).toBe(204);
    expect((await get('database/roles/keys')).body.data.credential_config).toEqual({
      format: 'pkcs8',
      key_bits: 4096,
    });
  });
});

describe('credential_type client_certificate', () => {
  it('gives a client certificate from the role’s CA, named by its template, with its key', async () => {
    const ca = opensslRootCa('/CN=DB Client CA', 30);
    await mock.clock.advance(60_000); // leaves are backdated 30 s; the CA was made this second
    const role = await put('database/roles/certs', {
      db_name: 'app-db',
      credential_type: 'client_certificate',
      credential_config: {
        common_name_template: '{{.RoleName}}-{{random 8}}',
        ca_cert: ca.certificate,
        ca_private_key: ca.privateKey,
        key_type: 'ec',
        key_bits: '384',
      },
      default_ttl: '2h',
    });
    expect(role.status).toBe(204);
    const creds = await get('database/creds/certs');
    expect(creds.status).toBe(200);
    expect(Object.keys(creds.body.data).sort()).toEqual([
      'client_certificate',
      'private_key',
      'private_key_type',
      'username',
    ]);
    const cert = new X509Certificate(creds.body.data.client_certificate);
    expect(cert.verify(new X509Certificate(ca.certificate).publicKey)).toBe(true);
    expect(cert.subject).toMatch(/^CN=certs-[0-9A-Za-z]{8}$/);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.publicKey.equals(createPublicKey(createPrivateKey(creds.body.data.private_key)))).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(creds.body.data.private_key_type).toBe('ec');
    // The certificate ends with the lease plus Vault's 5 s margin.
    expect(Date.parse(cert.validTo)).toBe(
      Math.floor((mock.clock.now() + 2 * 3_600_000 + 5_000) / 1000) * 1000,
    );
  });

  it('refuses a config without its template, CA or key type, and a CA certificate that is no CA', async () => {
    const ca = opensslRootCa('/CN=DB Client CA');
    const base = {
      common_name_template: '{{.RoleName}}',
      ca_cert: ca.certificate,
      ca_private_key: ca.privateKey,
      key_type: 'ec',
    };
    const write = (credential_config: Record<string, string>) =>
      put('database/roles/certs', {
        db_name: 'app-db',
        credential_type: 'client_certificate',
        credential_config,
      });
    const errorOf = async (config: Record<string, string>) => (await write(config)).body.errors?.[0];
    const { common_name_template: _t, ...noTemplate } = base;
    expect(await errorOf(noTemplate)).toBe(
      'credential_config validation failed: missing required common_name_template',
    );
    const { ca_cert: _c, ...noCa } = base;
    expect(await errorOf(noCa)).toBe('credential_config validation failed: missing required ca_cert');
    expect(await errorOf({ ...base, key_type: '' })).toBe(
      'credential_config validation failed: invalid key_type',
    );
    expect(await errorOf({ ...base, key_bits: '1024' })).toBe(
      'credential_config validation failed: invalid key_bits',
    );
    // A leaf certificate with its own key is a valid pair, but no CA.
    const validity = {
      notBefore: new Date(mock.clock.now() - 60_000),
      notAfter: new Date(mock.clock.now() + 3_600_000),
    };
    const leaf = CertificateAuthority.create({ commonName: 'Other', ...validity }).issue({
      commonName: 'x',
      ...validity,
    });
    expect(await errorOf({ ...base, ca_cert: leaf.certificate, ca_private_key: leaf.privateKey })).toBe(
      'credential_config validation failed: the given certificate is not marked for CA use',
    );
    // A key that is not the certificate's.
    const stranger = opensslCsr({ subject: '/CN=stranger' }).privateKey;
    expect(await errorOf({ ...base, ca_private_key: stranger })).toMatch(
      /^credential_config validation failed: /,
    );
    expect((await write(base)).status).toBe(204);
  });
});

it('a plugin that only takes passwords refuses the other types at creds time', async () => {
  await mock.write('database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/none',
    username: 'u',
    password: 'p',
    verify_connection: false,
    allowed_roles: '*',
  });
  await mock.write('database/roles/pg-keys', { db_name: 'pg', credential_type: 'rsa_private_key' });
  const creds = await get('database/creds/pg-keys');
  expect(creds).toMatchObject({
    status: 400,
    body: { errors: ['unsupported credential_type: "rsa_private_key"'] },
  });
});
