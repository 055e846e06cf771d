import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { check, type DoctorBench, doctorBench, expectNoSecrets } from './support';

let bench: DoctorBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

describe('doctor: a healthy setup', () => {
  it('passes every check in order, logs in, reads the token times and revokes its token afterwards', async () => {
    bench = await doctorBench();
    const { report, text, json } = await bench.run([
      '--role',
      'myapp-role',
      '--token-path',
      bench.tokenPath,
      '--path',
      'secret/data/myapp/config',
    ]);
    expect(report.checks.map((c) => c.id)).toEqual([
      'config',
      'token-file',
      'dns',
      'tcp',
      'tls',
      'health',
      'clock-skew',
      'login',
      'policies',
      'path:secret/data/myapp/config',
      'token-ttl',
    ]);
    expect(report.ok).toBe(true);
    expect(check(report, 'token-file').summary).toMatch(
      /projected token for service account default\/myapp-sa/,
    );
    expect(check(report, 'health').summary).toBe('Vault 1.21.0, initialised, unsealed, active');
    expect(check(report, 'policies').summary).toContain('myapp-policy');
    expect(check(report, 'token-ttl').summary).toMatch(/TTL 1 h, renewable up to a max TTL of 24 h/);
    // The login token was revoked: the only token left is root.
    expect(bench.mock.tokens().map((t) => t.policies)).toEqual([['root']]);
    expect(JSON.parse(json)).toEqual(report);
    expect(text).toMatch(/All 11 checks passed\./);
    expectNoSecrets(bench, text, json);
  });

  it('with VAULT_TOKEN and no --role, checks that token instead of a login and leaves it alone', async () => {
    bench = await doctorBench();
    const { report } = await bench.run(['--path', 'secret/data/x'], {
      env: { VAULT_TOKEN: bench.mock.rootToken },
    });
    expect(report.ok).toBe(true);
    expect(check(report, 'login').summary).toMatch(/VAULT_TOKEN is a valid token/);
    expect(check(report, 'policies').summary).toMatch(/root policy/);
    expect(report.checks.some((c) => c.id === 'token-file')).toBe(false);
    expect(bench.mock.tokens()).toHaveLength(1);
  });
});

describe('doctor: the service-account token file', () => {
  it('a missing, expired or foreign token file fails token-file and skips the login', async () => {
    bench = await doctorBench();
    const missing = await bench.run(['--role', 'myapp-role', '--token-path', '/nonexistent/token']);
    expect(check(missing.report, 'token-file')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/does not exist/),
    });
    expect(check(missing.report, 'token-file').fix).toMatch(/automountServiceAccountToken/);
    expect(missing.skipped).toContain('login');

    await writeFile(
      bench.tokenPath,
      await bench.mock.cluster.mintToken({
        serviceAccount: 'myapp-sa',
        issuedAtOffset: -7200,
        expiresIn: 3600,
      }),
    );
    const expired = await bench.run();
    expect(check(expired.report, 'token-file').summary).toMatch(/expired at .* for default\/myapp-sa/);

    const unsigned = (claims: object) =>
      `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
    await writeFile(bench.tokenPath, unsigned({ iss: 'https://accounts.example', sub: 'someone' }));
    const foreign = await bench.run();
    expect(check(foreign.report, 'token-file').summary).toMatch(/names no Kubernetes service account/);

    await writeFile(
      bench.tokenPath,
      unsigned({
        iss: 'kubernetes/serviceaccount',
        'kubernetes.io/serviceaccount/namespace': 'default',
        'kubernetes.io/serviceaccount/service-account.name': 'myapp-sa',
        sub: 'system:serviceaccount:default:myapp-sa',
      }),
    );
    const legacy = await bench.run();
    expect(check(legacy.report, 'token-file')).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/legacy Secret-based token .* default\/myapp-sa.*never expires/),
    });
  });
});

describe('doctor: the address', () => {
  it('a host that does not resolve fails dns and nothing after it runs', async () => {
    bench = await doctorBench();
    const { report, skipped } = await bench.run(undefined, {
      env: { VAULT_ADDR: 'https://vault.no-such-host.invalid:8200' },
    });
    expect(check(report, 'dns')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/does not resolve/),
    });
    expect(skipped).toEqual(expect.arrayContaining(['tcp', 'tls', 'health', 'login']));
  });

  it('a port nothing listens on fails tcp', async () => {
    bench = await doctorBench();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const { report } = await bench.run(undefined, { env: { VAULT_ADDR: `http://127.0.0.1:${port}` } });
    expect(check(report, 'tcp')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/refused the connection/),
    });
  });

  it('https:// against a plain-HTTP Vault, and http:// against a TLS one, are each named', async () => {
    bench = await doctorBench();
    const wrongScheme = await bench.run(undefined, {
      env: { VAULT_ADDR: bench.mock.address.replace('http:', 'https:') },
    });
    expect(check(wrongScheme.report, 'tls')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/says https:\/\/, but .* does not speak TLS/),
      fix: expect.stringMatching(/http:\/\/127\.0\.0\.1/),
    });
    await bench.close();
    bench = await doctorBench({ mock: { tls: true } });
    const plain = await bench.run(undefined, {
      env: { VAULT_ADDR: bench.mock.address.replace('https:', 'http:') },
    });
    expect(check(plain.report, 'tls')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(
        /says http:\/\/, but .* speaks TLS \(its certificate is for vault\.mock\)/,
      ),
      fix: expect.stringMatching(/https:\/\//),
    });
  });

  it('an untrusted certificate fails tls with the CA fix; with VAULT_CACERT it passes and the login works', async () => {
    bench = await doctorBench({ mock: { tls: true } });
    const untrusted = await bench.run();
    expect(check(untrusted.report, 'tls')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/vault\.mock .* not trusted with the system's trusted CAs/),
      fix: expect.stringMatching(/VAULT_CACERT/),
    });
    const caFile = `${bench.tokenPath}.ca.pem`;
    await writeFile(caFile, bench.mock.tls!.caCertificate);
    const trusted = await bench.run(undefined, { env: { VAULT_CACERT: caFile } });
    expect(check(trusted.report, 'tls').summary).toMatch(/trusted with VAULT_CACERT=/);
    expect(trusted.report.ok).toBe(true);
  });

  it('a Vault that requires a client certificate: without one a check fails and says which variables to set', async () => {
    bench = await doctorBench({ mock: { tls: { requireClientCertificate: true } } });
    const caFile = `${bench.tokenPath}.ca.pem`;
    await writeFile(caFile, bench.mock.tls!.caCertificate);
    const without = await bench.run(undefined, { env: { VAULT_CACERT: caFile } });
    const failed = without.report.checks.find((c) => !c.ok);
    expect(failed?.fix).toMatch(/VAULT_CLIENT_CERT/);
    const cert = `${bench.tokenPath}.client.pem`;
    const key = `${bench.tokenPath}.client-key.pem`;
    await writeFile(cert, bench.mock.tls!.clientCertificate.certificate);
    await writeFile(key, bench.mock.tls!.clientCertificate.privateKey);
    const withCert = await bench.run(undefined, {
      env: { VAULT_CACERT: caFile, VAULT_CLIENT_CERT: cert, VAULT_CLIENT_KEY: key },
    });
    expect(withCert.report.ok).toBe(true);
  });

  it('a sealed Vault fails health and skips the login; a standby passes and says so', async () => {
    bench = await doctorBench();
    bench.mock.seal();
    const sealed = await bench.run();
    expect(check(sealed.report, 'health')).toMatchObject({
      ok: false,
      summary: 'Vault 1.21.0 is sealed: it answers nothing but its status',
    });
    expect(sealed.skipped).toContain('login');
    bench.mock.unseal();
    bench.mock.health.standby = true;
    const standby = await bench.run();
    expect(check(standby.report, 'health')).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/a standby node/),
    });
  });

  it("a clock a minute or more off Vault's fails clock-skew; a few seconds is tolerated", async () => {
    bench = await doctorBench();
    const ahead = await bench.run(undefined, { skewMs: 5 * 60_000 });
    expect(check(ahead.report, 'clock-skew')).toMatchObject({
      ok: false,
      summary: expect.stringMatching(/5 min ahead of Vault's/),
      fix: expect.stringMatching(/NTP/),
    });
    const slight = await bench.run(undefined, { skewMs: -10_000 });
    expect(check(slight.report, 'clock-skew')).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/behind Vault's; tolerable/),
    });
  });
});
