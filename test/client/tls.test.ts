import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultConnectionError, VaultKubernetesClient, VaultTlsError } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LogLine, rejection } from '../helpers/harness';

let mock: MockVault | undefined;
let dir: string | undefined;
let other: MockVault | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await mock?.close();
  await other?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  mock = other = dir = undefined;
});

async function tlsMock(requireClientCertificate = false): Promise<{ mock: MockVault; token: string }> {
  mock = await startMockVault({ tls: { requireClientCertificate } });
  const created = await mock.write('auth/token/create', { policies: ['default'], ttl: '1h' });
  return { mock, token: (created.body as { auth: { client_token: string } }).auth.client_token };
}

const lookup = (client: VaultKubernetesClient) => client.read('auth/token/lookup-self');

describe('TLS', () => {
  it('trusts a private CA given as PEM, as a file, through VAULT_CACERT, or as a VAULT_CAPATH folder', async () => {
    const { mock: m, token } = await tlsMock();
    const ca = m.tls!.caCertificate;
    dir = await mkdtemp(join(tmpdir(), 'vkc-tls-'));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca);
    const auth = { method: 'token' as const, token };
    await lookup(new VaultKubernetesClient({ address: m.address, auth, tls: { caCert: ca } }));
    await lookup(new VaultKubernetesClient({ address: m.address, auth, tls: { caCertFile: caFile } }));
    vi.stubEnv('VAULT_CACERT', caFile);
    await lookup(new VaultKubernetesClient({ address: m.address, auth }));
    vi.stubEnv('VAULT_CACERT', '');
    vi.stubEnv('VAULT_CAPATH', dir);
    await lookup(new VaultKubernetesClient({ address: m.address, auth }));
  });

  it('mTLS: a client certificate from options or VAULT_CLIENT_CERT/KEY; without one, an error that says so', async () => {
    const { mock: m, token } = await tlsMock(true);
    const auth = { method: 'token' as const, token };
    const { certificate, privateKey } = m.tls!.clientCertificate;
    await lookup(
      new VaultKubernetesClient({
        address: m.address,
        auth,
        tls: { caCert: m.tls!.caCertificate, clientCert: certificate, clientKey: privateKey },
      }),
    );
    dir = await mkdtemp(join(tmpdir(), 'vkc-mtls-'));
    await writeFile(join(dir, 'c.pem'), certificate);
    await writeFile(join(dir, 'k.pem'), privateKey);
    vi.stubEnv('VAULT_CLIENT_CERT', join(dir, 'c.pem'));
    vi.stubEnv('VAULT_CLIENT_KEY', join(dir, 'k.pem'));
    await lookup(
      new VaultKubernetesClient({ address: m.address, auth, tls: { caCert: m.tls!.caCertificate } }),
    );
    vi.stubEnv('VAULT_CLIENT_CERT', '');
    vi.stubEnv('VAULT_CLIENT_KEY', '');
    const e = (await rejection(
      lookup(
        new VaultKubernetesClient({
          address: m.address,
          auth,
          tls: { caCert: m.tls!.caCertificate },
          retry: { maxRetries: 0 },
        }),
      ),
    )) as VaultConnectionError;
    expect(e).toBeInstanceOf(VaultConnectionError);
    expect(e.message).toMatch(/client certificate/i);
  });

  it('a wrong CA gives the TLS error with its cause and the option that fixes it, without retrying', async () => {
    const { mock: m, token } = await tlsMock();
    other = await startMockVault({ tls: true });
    const client = new VaultKubernetesClient({
      address: m.address,
      auth: { method: 'token', token },
      tls: { caCert: other.tls!.caCertificate },
    });
    const e = (await rejection(lookup(client))) as VaultTlsError;
    expect(e).toBeInstanceOf(VaultTlsError);
    expect(e.causeCode).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/);
    expect(e.hint).toMatch(/tls.caCert.*VAULT_CACERT/);
    expect(m.audit.count()).toBe(0);
  });

  it('VAULT_SKIP_VERIFY works and warns loudly; a token over plain http to a remote host warns once', async () => {
    const { mock: m, token } = await tlsMock();
    const logs: LogLine[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (fields: Record<string, unknown>, message: string) =>
        logs.push({ level: 'warn', fields, message }),
      error: () => undefined,
    };
    vi.stubEnv('VAULT_SKIP_VERIFY', '1');
    await lookup(new VaultKubernetesClient({ address: m.address, auth: { method: 'token', token }, logger }));
    expect(logs.map((l) => l.message)).toEqual([expect.stringMatching(/verification is OFF/)]);
    vi.stubEnv('VAULT_SKIP_VERIFY', '');
    // A remote host name, routed to the loopback mock by the fetch hook.
    {
      const http = await startMockVault();
      const created = await http.write('auth/token/create', { policies: ['default'] });
      const remote = new VaultKubernetesClient({
        address: 'http://vault.example.internal:8200',
        auth: {
          method: 'token',
          token: (created.body as { auth: { client_token: string } }).auth.client_token,
        },
        logger,
        fetch: (input, init) => {
          const request = input as Request;
          return fetch(
            new Request(request.url.replace('http://vault.example.internal:8200', http.address), request),
            init,
          );
        },
      });
      logs.length = 0;
      await lookup(remote);
      await lookup(remote);
      await http.close();
      expect(logs.map((l) => l.message)).toEqual([
        expect.stringMatching(/plain http:\/\/ to a host other than loopback/),
      ]);
    }
  });
});
