import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, startMockVault } from '../testing';
import { type Args, stringArg } from './args';

/** `vault-kubernetes-client mock-vault`: the mock in the foreground, until SIGINT or SIGTERM. */
export async function runMockVault(args: Args): Promise<number> {
  const port = Number(stringArg(args, 'port', '8200'));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${args.port}`);
  const [namespace, serviceAccount] = stringArg(args, 'service-account', 'default/myapp-sa').split('/');
  if (!namespace || !serviceAccount)
    throw new Error('--service-account takes <namespace>/<name>, e.g. default/myapp-sa');
  const mtls = args.mtls === true;
  // The dev server's time follows the wall clock; tests drive a ManualClock by hand instead.
  const clock = new ManualClock();
  const mock = await startMockVault({
    port,
    host: stringArg(args, 'host', '127.0.0.1'),
    rootToken: stringArg(args, 'root-token', 'root'),
    clock,
    ...(args.tls === true || mtls ? { tls: { requireClientCertificate: mtls } } : {}),
  });
  // Started only once the port is bound: a failed start (port in use) must let the process exit.
  const ticker = setInterval(() => void clock.advance(1000), 1000);
  const dir = await mkdtemp(join(tmpdir(), 'mock-vault-'));
  const tokenFile = await mock.cluster.writeToken({
    namespace,
    serviceAccount,
    expiresIn: 24 * 3600,
    path: join(dir, 'token'),
  });
  const lines = [
    'Mock Vault is running (in memory, dev mode: never use it for real secrets).',
    '',
    `    export VAULT_ADDR=${mock.address}`,
    `    export VAULT_TOKEN=${mock.rootToken}`,
  ];
  if (mock.tls) {
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, mock.tls.caCertificate);
    lines.push(`    export VAULT_CACERT=${caFile}`);
    if (mtls) {
      await writeFile(join(dir, 'client.pem'), mock.tls.clientCertificate.certificate);
      await writeFile(join(dir, 'client-key.pem'), mock.tls.clientCertificate.privateKey, { mode: 0o600 });
      lines.push(
        `    export VAULT_CLIENT_CERT=${join(dir, 'client.pem')}`,
        `    export VAULT_CLIENT_KEY=${join(dir, 'client-key.pem')}`,
      );
    }
  }
  lines.push(
    '',
    `Root token: ${mock.rootToken}`,
    `Unseal key: ${mock.unsealKey}`,
    `Service-account token file (${namespace}/${serviceAccount}, valid 24 h): ${tokenFile}`,
    `Kubernetes CA for auth/kubernetes/config: ${join(dir, 'k8s-ca.crt')}`,
    // What `kubectl get --raw /.well-known/openid-configuration` tells a cluster admin setting up
    // Vault's JWT auth method (oidc_discovery_url, jwks_url or jwt_validation_pubkeys).
    `Service-account issuer (OIDC discovery URL): ${mock.cluster.issuer}`,
    `Service-account JWKS URL: ${mock.cluster.jwksUrl}`,
    `Service-account signing key (public, PEM): ${join(dir, 'sa.pub')}`,
    mock.cluster.publicKeyPem.trim(),
    '',
    'Press Ctrl+C to stop.',
    '',
  );
  await writeFile(join(dir, 'k8s-ca.crt'), mock.cluster.caCertificate);
  await writeFile(join(dir, 'sa.pub'), mock.cluster.publicKeyPem);
  // Listen for the signals before announcing readiness: a supervisor that signals as soon as it
  // reads the banner must reach the clean shutdown, not Node's default exit on SIGINT/SIGTERM.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write(lines.join('\n'));
  await stopped;
  clearInterval(ticker);
  await mock.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write('Mock Vault stopped.\n');
  return 0;
}
