import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { opensslCsr, opensslRootCa, opensslVerify } from './support/openssl';
import { call } from './support/vault';

/*
 * A two-tier CA built as Vault's "Build your own certificate authority" tutorial does it:
 * pki (root) signs pki_int's CSR, pki_int imports the signed chain and issues. Error strings from
 * hashicorp/vault builtin/logical/pki: path_manage_issuers.go (pathImportIssuers), storage.go
 * (importIssuer), path_root.go (pathIssuerSignIntermediate) and issuing/issue_common.go.
 */

let mock: MockVault;
const put = (path: string, body: unknown = {}) => call(mock, 'POST', path, body);
const HOUR = 3_600_000;

beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
  await mock.write('sys/mounts/pki_int', { type: 'pki', config: { max_lease_ttl: '43800h' } });
});
afterEach(async () => {
  await mock.close();
});

/** The tutorial's steps; returns the root and intermediate certificates. */
async function twoTier(): Promise<{ root: string; intermediate: string }> {
  const root = await put('pki/root/generate/internal', {
    common_name: 'example.com',
    issuer_name: 'root-2024',
    ttl: '87600h',
    key_type: 'ec',
  });
  expect(root.status).toBe(200);
  const generated = await put('pki_int/intermediate/generate/internal', {
    common_name: 'example.com Intermediate Authority',
    key_type: 'ec',
  });
  expect(generated.status).toBe(200);
  expect(Object.keys(generated.body.data).sort()).toEqual(['csr', 'key_id']);
  const signed = await put('pki/root/sign-intermediate', {
    issuer_ref: 'root-2024',
    csr: generated.body.data.csr,
    format: 'pem_bundle',
    ttl: '43800h',
  });
  expect(signed.status).toBe(200);
  const setSigned = await put('pki_int/intermediate/set-signed', {
    certificate: signed.body.data.certificate,
  });
  expect(setSigned.status).toBe(200);
  expect(setSigned.body.data.imported_issuers).toHaveLength(2);
  expect(setSigned.body.data.imported_keys).toBeNull();
  // The intermediate got the key intermediate/generate kept; the root came without one.
  expect(Object.values(setSigned.body.data.mapping).sort()).toEqual(['', generated.body.data.key_id]);
  return {
    root: root.body.data.certificate,
    intermediate: signed.body.data.ca_chain[0],
  };
}

describe('a two-tier CA (root mount signs, intermediate mount issues)', () => {
  it('leaf certificates issued and signed by the intermediate chain to the root', async () => {
    const { root, intermediate } = await twoTier();
    const rootCert = new X509Certificate(root);
    const intCert = new X509Certificate(intermediate);
    expect(intCert.ca).toBe(true);
    expect(intCert.checkIssued(rootCert)).toBe(true);
    expect(intCert.verify(rootCert.publicKey)).toBe(true);
    expect(intCert.subject).toBe('CN=example.com Intermediate Authority');
    expect(intCert.issuer).toBe('CN=example.com');

    await mock.write('pki_int/roles/example-dot-com', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      key_type: 'ec',
      max_ttl: '720h',
    });
    const issued = await put('pki_int/issue/example-dot-com', {
      common_name: 'test.example.com',
      ttl: '24h',
    });
    expect(issued.status).toBe(200);
    expect(issued.body.data.issuing_ca).toBe(intermediate);
    expect(issued.body.data.ca_chain).toEqual([intermediate, root]);
    const leaf = new X509Certificate(issued.body.data.certificate);
    expect(leaf.checkIssued(intCert)).toBe(true);
    expect(leaf.verify(intCert.publicKey)).toBe(true);
    expect(leaf.verify(rootCert.publicKey)).toBe(false);
    expect(opensslVerify(root, issued.body.data.certificate, [intermediate])).toContain(': OK');
    // Without the intermediate, the root alone does not vouch for the leaf.
    expect(opensslVerify(root, issued.body.data.certificate)).not.toContain(': OK');

    const { csr } = opensslCsr({ subject: '/CN=svc.example.com' });
    const signed = await put('pki_int/sign/example-dot-com', { csr, ttl: '1h' });
    expect(signed.status).toBe(200);
    expect(opensslVerify(root, signed.body.data.certificate, [intermediate])).toContain(': OK');

    // The intermediate mount publishes its chain; the root mount its root.
    const chain = await call(mock, 'GET', 'pki_int/ca_chain');
    expect(chain.text.trim()).toBe(`${intermediate}\n${root}`);
    expect((await call(mock, 'GET', 'pki/ca/pem')).text).toBe(root);
  });

  it('sign-intermediate: a CA certificate, its chain, the CSR’s CN, truncated to the root’s notAfter with a warning', async () => {
    const root = await put('pki/root/generate/internal', {
      common_name: 'Root',
      ttl: '100h',
      key_type: 'ec',
    });
    const { csr } = opensslCsr({ subject: '/CN=Int CA/O=Example' });
    const res = await put('pki/root/sign-intermediate', { csr, ttl: '200h' });
    expect(res.status).toBe(200);
    const cert = new X509Certificate(res.body.data.certificate);
    expect(cert.ca).toBe(true);
    // Without use_csr_values only the CN is taken from the CSR.
    expect(cert.subject).toBe('CN=Int CA');
    expect(cert.validTo).toBe(new X509Certificate(root.body.data.certificate).validTo);
    expect(res.body.data.ca_chain).toEqual([res.body.data.certificate, root.body.data.certificate]);
    expect(res.body.warnings).toContain(
      "the signed intermediary CA certificate's notAfter was truncated to the issuer's notAfter",
    );
    const verbatim = await put('pki/root/sign-intermediate', { csr, ttl: '10h', use_csr_values: true });
    expect(new X509Certificate(verbatim.body.data.certificate).subject).toBe('CN=Int CA\nO=Example');
    const enforced = await put('pki/root/sign-intermediate', {
      csr,
      ttl: '200h',
      enforce_leaf_not_after_behavior: true,
    });
    expect(enforced.body.errors[0]).toMatch(/^cannot satisfy request, as TTL would result in notAfter/);
    const badFormat = await put('pki/root/sign-intermediate', { csr, format: 'p12' });
    expect(badFormat.body.errors).toEqual([
      'The "format" path parameter must be "pem", "der" or "pem_bundle"',
    ]);
  });

  it('path lengths: the root’s constraint bounds what it signs; a zero-length CA signs no CA', async () => {
    await put('pki/root/generate/internal', {
      common_name: 'Root',
      ttl: '100h',
      key_type: 'ec',
      max_path_length: 1,
    });
    const { csr } = opensslCsr({ subject: '/CN=Int' });
    const tooLong = await put('pki/root/sign-intermediate', { csr, max_path_length: 1 });
    expect(tooLong.body.errors).toEqual([
      "requested max_path_length 1 is not allowed: the signing CA has a pathLenConstraint of 1, so the intermediate's pathLenConstraint must be a non-negative value less than 1",
    ]);
    const derived = await put('pki/root/sign-intermediate', { csr, ttl: '10h' });
    expect(derived.status).toBe(200);
    expect(derived.body.warnings).toContain(
      'Max path length of the signed certificate is zero. This CA certificate cannot be used to issue intermediate CA certificates.',
    );
    await mock.write('sys/mounts/leafonly', { type: 'pki' });
    await put('leafonly/root/generate/internal', {
      common_name: 'Leaf Root',
      key_type: 'ec',
      max_path_length: 0,
    });
    expect((await put('leafonly/root/sign-intermediate', { csr, ttl: '1h' })).body.errors).toEqual([
      'signing certificate has a max path length of zero, and cannot issue further CA certificates',
    ]);
  });

  it('intermediate/generate/exported returns the key the CSR is for', async () => {
    const res = await put('pki_int/intermediate/generate/exported', { common_name: 'Int', key_type: 'ec' });
    expect(res.status).toBe(200);
    expect(res.body.data.private_key_type).toBe('ec');
    expect(res.body.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const { csr } = res.body.data;
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    // The root mount signs it; the result's key is the exported one.
    await put('pki/root/generate/internal', { common_name: 'Root', ttl: '100h', key_type: 'ec' });
    const signed = await put('pki/root/sign-intermediate', { csr, ttl: '10h' });
    const publicKey = createPublicKey(createPrivateKey(res.body.data.private_key));
    expect(new X509Certificate(signed.body.data.certificate).publicKey.equals(publicKey)).toBe(true);
    const bad = await put('pki_int/intermediate/generate/sideways', { common_name: 'Int' });
    expect(bad.body.errors).toEqual([
      'the "exported" path parameter must be "internal", "existing", exported" or "kms"',
    ]);
  });

  it('set-signed refuses what is not a signed CA certificate, in Vault’s words', async () => {
    const { root } = await twoTier();
    const errorOf = async (certificate: string) =>
      (await put('pki_int/intermediate/set-signed', { certificate })).body.errors;
    expect(await errorOf('')).toEqual(["'pem_bundle' and 'certificate' parameters were empty"]);
    expect(await errorOf('/tmp/intermediate.pem')).toEqual([
      'provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file',
    ]);
    expect(await errorOf(`${root}\n${'trailing text that is no PEM block '.repeat(3)}`)).toEqual([
      'provided PEM block contained no data',
    ]);
    const { privateKey } = opensslRootCa('/CN=Other');
    expect(await errorOf(`${privateKey}\n${root}`)).toEqual([
      'private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle',
    ]);
    await put('pki/roles/any', { allow_any_name: true, key_type: 'ec' });
    const leaf = await put('pki/issue/any', { common_name: 'leaf.example.com', ttl: '1h' });
    const notCa = await errorOf(leaf.body.data.certificate);
    expect(notCa[0]).toMatch(
      /^Error parsing issuer 0: Refusing to import non-CA certificate\n-----BEGIN CERTIFICATE-----/,
    );
    // The same chain again: nothing new, both issuers reported as existing.
    const again = await put('pki_int/intermediate/set-signed', { certificate: root });
    expect(again.body.data.imported_issuers).toBeNull();
    expect(again.body.data.existing_issuers).toHaveLength(1);
  });

  it('a chain without the mount’s key imports but cannot issue', async () => {
    const other = opensslRootCa('/CN=Elsewhere');
    const res = await put('pki_int/intermediate/set-signed', { certificate: other.certificate });
    expect(res.status).toBe(200);
    expect(Object.values(res.body.data.mapping)).toEqual(['']);
    await mock.write('pki_int/roles/any', { allow_any_name: true, key_type: 'ec' });
    const issue = await put('pki_int/issue/any', { common_name: 'x.example.com' });
    expect(issue.status).toBe(500);
    expect(issue.body.errors[0]).toContain('could not fetch the CA certificate (was one set?)');
  });
});

describe('pki/config/ca', () => {
  it('imports an operator’s CA bundle (key and certificate) and issues under it', async () => {
    const { certificate, privateKey } = opensslRootCa('/CN=Operator Root/O=Example', 30);
    const res = await put('pki/config/ca', { pem_bundle: `${privateKey}\n${certificate}` });
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.data.imported_keys).toHaveLength(1);
    expect(res.body.data.imported_issuers).toHaveLength(1);
    const [issuerId] = res.body.data.imported_issuers;
    expect(res.body.data.mapping).toEqual({ [issuerId]: res.body.data.imported_keys[0] });

    await mock.write('pki/roles/web', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      key_type: 'ec',
    });
    // Leaves are backdated 30 s (not_before_duration): a CA made this second cannot sign them yet.
    const early = await put('pki/issue/web', { common_name: 'a.example.com', ttl: '24h' });
    expect(early.body.errors).toEqual(["notBefore before signer's notBefore"]);
    await mock.clock.advance(60_000);
    const issued = await put('pki/issue/web', { common_name: 'a.example.com', ttl: '24h' });
    expect(issued.status).toBe(200);
    expect(opensslVerify(certificate, issued.body.data.certificate, [], mock.clock.now())).toContain(': OK');
    const leaf = new X509Certificate(issued.body.data.certificate);
    // The issuer is the CA's subject byte for byte, in the order openssl wrote it.
    expect(leaf.issuer).toBe('CN=Operator Root\nO=Example');
    // The CA's own limit applies: 30 days, so 60 days is refused.
    const tooLong = await put('pki/issue/web', { common_name: 'a.example.com', ttl: `${60 * 24}h` });
    expect(tooLong.status).toBe(400);
    expect(Date.parse(leaf.validTo)).toBe(Math.floor((mock.clock.now() + 24 * HOUR) / 1000) * 1000);

    // Importing it again changes nothing.
    const again = await put('pki/config/ca', { pem_bundle: `${privateKey}\n${certificate}` });
    expect(again.body.data).toMatchObject({
      imported_keys: null,
      imported_issuers: null,
      existing_keys: res.body.data.imported_keys,
      existing_issuers: res.body.data.imported_issuers,
    });
  });
});
