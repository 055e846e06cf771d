import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, DENIED, expectErrors, writePolicy } from './support/vault';

/*
 * What a TLS client fetches from the PKI engine without a token (builtin/logical/pki/backend.go
 * PathsSpecial.Unauthenticated), the CRL (crl_util.go buildCRL, path_fetch.go) and config/urls and
 * config/crl (path_config_urls.go, path_config_crl.go).
 */
let mock: MockVault;
let dir: string;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(Date.UTC(2030, 0, 1)) });
  dir = mkdtempSync(join(tmpdir(), 'mock-pki-'));
  await call(mock, 'POST', 'sys/mounts/pki', { type: 'pki' });
  await call(mock, 'POST', 'pki/root/generate/internal', {
    common_name: 'ca.test',
    key_type: 'ec',
    ttl: '87600h',
  });
  await call(mock, 'POST', 'pki/roles/web', {
    allowed_domains: 'test',
    allow_subdomains: true,
    key_type: 'ec',
    ttl: '1h',
  });
});
afterEach(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

const issue = async (cn: string) =>
  (await call(mock, 'POST', 'pki/issue/web', { common_name: cn })).body.data;
const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

describe('paths that need no token', () => {
  it('serves the CA, its chain, certificates and the CRL to anyone, and nothing else', async () => {
    const leaf = await issue('a.test');
    const anonymous = { token: null };
    const caPem = await call(mock, 'GET', 'pki/ca/pem', undefined, anonymous);
    expect(caPem.status).toBe(200);
    expect(new X509Certificate(caPem.text).subject).toBe('CN=ca.test');
    expect((await call(mock, 'GET', 'pki/ca_chain', undefined, anonymous)).status).toBe(200);
    const der = await fetch(`${mock.address}/v1/pki/ca`);
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    expect(new X509Certificate(Buffer.from(await der.arrayBuffer())).subject).toBe('CN=ca.test');
    const cert = await call(mock, 'GET', `pki/cert/${leaf.serial_number}`, undefined, anonymous);
    expect(cert.body.data.certificate).toBe(leaf.certificate);
    expect(
      (await call(mock, 'GET', `pki/cert/${leaf.serial_number}/raw/pem`, undefined, anonymous)).text,
    ).toBe(leaf.certificate);
    expect((await call(mock, 'GET', 'pki/crl/pem', undefined, anonymous)).status).toBe(200);
    // Issuing, roles and revocation still need a token.
    expectErrors(await call(mock, 'POST', 'pki/issue/web', { common_name: 'b.test' }, anonymous), 403, [
      'permission denied',
    ]);
    expectErrors(await call(mock, 'GET', 'pki/roles/web', undefined, anonymous), 403, ['permission denied']);
  });

  it('needs sudo to delete the root (PathsSpecial.Root)', async () => {
    await writePolicy(
      mock,
      'pki-admin',
      'path "pki/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    );
    const token = (await call(mock, 'POST', 'auth/token/create', { policies: ['pki-admin'] })).body.auth
      .client_token;
    expectErrors(await call(mock, 'DELETE', 'pki/root', undefined, { token }), 403, [DENIED]);
    // path_root.go pathCADeleteRoot: 200 with a warning preferring the finer-grained deletes.
    const deleted = await call(mock, 'DELETE', 'pki/root');
    expect(deleted.status).toBe(200);
    expect(deleted.body.warnings).toEqual([
      'DELETE /root deletes all keys and issuers; prefer the new DELETE /key/:key_ref and DELETE /issuer/:issuer_ref for finer granularity, unless removal of all keys and issuers is desired.',
    ]);
    expect((await call(mock, 'GET', 'pki/ca/pem')).status).toBe(204);
  });
});

describe('the CRL', () => {
  it('is signed by the CA and lists what was revoked, numbered anew at each change', async () => {
    const kept = await issue('kept.test');
    const gone = await issue('gone.test');
    writeFileSync(join(dir, 'ca.pem'), (await call(mock, 'GET', 'pki/ca/pem')).text);
    const crlOf = async () => {
      const pem = (await call(mock, 'GET', 'pki/crl/pem')).text;
      writeFileSync(join(dir, 'crl.pem'), pem);
      return openssl('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text');
    };
    const before = await crlOf();
    expect(before).toMatch(/No Revoked Certificates/);
    expect(before).toMatch(/X509v3 CRL Number:\s+1/);
    expect((await call(mock, 'POST', 'pki/revoke', { serial_number: gone.serial_number })).status).toBe(200);
    const after = await crlOf();
    expect(after).toContain(gone.serial_number.replaceAll(':', '').toUpperCase());
    expect(after).not.toContain(kept.serial_number.replaceAll(':', '').toUpperCase());
    expect(after).toMatch(/X509v3 CRL Number:\s+2/);
    // 72 hours of validity by default (config/crl expiry).
    expect(after).toMatch(
      /Last Update: Jan {2}1 00:00:00 2030 GMT\s+Next Update: Jan {2}4 00:00:00 2030 GMT/,
    );
    expect((await call(mock, 'GET', 'pki/crl/rotate')).body.data).toEqual({ success: true });
    expect(await crlOf()).toMatch(/X509v3 CRL Number:\s+3/);
    const der = await fetch(`${mock.address}/v1/pki/crl`);
    expect(der.headers.get('content-type')).toBe('application/pkix-crl');
  });
});

describe('config/urls and config/crl', () => {
  it('stores what it is given and reads it back', async () => {
    const urls = await call(mock, 'POST', 'pki/config/urls', {
      issuing_certificates: 'http://vault:8200/v1/pki/ca',
      crl_distribution_points: ['http://vault:8200/v1/pki/crl'],
    });
    expect(urls.status).toBe(200);
    expect((await call(mock, 'GET', 'pki/config/urls')).body.data).toEqual({
      issuing_certificates: ['http://vault:8200/v1/pki/ca'],
      crl_distribution_points: ['http://vault:8200/v1/pki/crl'],
      ocsp_servers: [],
      enable_templating: false,
    });
    expect((await call(mock, 'GET', 'pki/config/crl')).body.data).toMatchObject({
      expiry: '72h',
      disable: false,
    });
    await call(mock, 'POST', 'pki/config/crl', { expiry: '24h' });
    expect((await call(mock, 'GET', 'pki/config/crl')).body.data.expiry).toBe('24h');
    expectErrors(await call(mock, 'POST', 'pki/config/crl', { expiry: 'soon' }), 400, [
      'given expiry could not be decoded: time: invalid duration "soon"',
    ]);
  });
});
