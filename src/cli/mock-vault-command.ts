import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type MockVault, startMockVault } from '../testing';
import { type Args, stringArg, UsageError } from './args';
import type { CliCommand } from './command';
import { ROLE, renderCurl, renderVault, setupSteps } from './setup-steps';

/** A running dev server: what the command prints, and how to stop it. */
export interface DevServer {
  readonly mock: MockVault;
  readonly banner: string;
  stop(): Promise<void>;
}

interface DevServerOptions {
  port: number;
  host: string;
  rootToken: string;
  tls: boolean;
  mtls: boolean;
  namespace: string;
  serviceAccount: string;
  setup: 'vault' | 'curl' | 'none';
}

export function devServerOptions(args: Args): DevServerOptions {
  const portText = stringArg(args, 'port', '8200');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be a port number, got "${portText}"`);
  const [namespace, serviceAccount, extra] = stringArg(args, 'service-account', 'default/myapp-sa').split(
    '/',
  );
  if (!namespace || !serviceAccount || extra !== undefined)
    throw new UsageError('--service-account takes <namespace>/<name>, e.g. default/myapp-sa');
  const setup = stringArg(args, 'setup', 'vault');
  if (setup !== 'vault' && setup !== 'curl' && setup !== 'none')
    throw new UsageError(`--setup takes vault, curl or none, got "${setup}"`);
  return {
    port,
    host: stringArg(args, 'host', '127.0.0.1'),
    rootToken: stringArg(args, 'root-token', 'root'),
    tls: args.tls === true || args.mtls === true,
    mtls: args.mtls === true,
    namespace,
    serviceAccount,
    setup,
  };
}

/**
 * Starts the mock like `vault server -dev`, writes the files a user needs (service-account token,
 * Kubernetes CA, TLS material) to a temporary folder, and composes the banner: the exports, the
 * files, and the setup as commands to paste.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // The dev server's time follows the wall clock; tests drive a ManualClock by hand instead.
  const clock = new ManualClock();
  const mock = await startMockVault({
    port: options.port,
    host: options.host,
    rootToken: options.rootToken,
    clock,
    ...(options.tls ? { tls: { requireClientCertificate: options.mtls } } : {}),
  });
  // Started only once the port is bound: a failed start (port in use) must let the process exit.
  const ticker = setInterval(() => void clock.advance(1000), 1000);
  const dir = await mkdtemp(join(tmpdir(), 'mock-vault-'));
  const { namespace, serviceAccount } = options;
  const tokenFile = await mock.cluster.writeToken({
    namespace,
    serviceAccount,
    expiresIn: 24 * 3600,
    path: join(dir, 'token'),
  });
  const caFile = join(dir, 'k8s-ca.crt');
  await writeFile(caFile, mock.cluster.caCertificate);
  const publicKeyFile = join(dir, 'sa.pub');
  await writeFile(publicKeyFile, mock.cluster.publicKeyPem);
  const exports = [`export VAULT_ADDR=${mock.address}`, `export VAULT_TOKEN=${mock.rootToken}`];
  if (mock.tls) {
    const vaultCa = join(dir, 'ca.pem');
    await writeFile(vaultCa, mock.tls.caCertificate);
    exports.push(`export VAULT_CACERT=${vaultCa}`);
    if (options.mtls) {
      await writeFile(join(dir, 'client.pem'), mock.tls.clientCertificate.certificate);
      await writeFile(join(dir, 'client-key.pem'), mock.tls.clientCertificate.privateKey, { mode: 0o600 });
      exports.push(
        `export VAULT_CLIENT_CERT=${join(dir, 'client.pem')}`,
        `export VAULT_CLIENT_KEY=${join(dir, 'client-key.pem')}`,
      );
    }
  }
  const steps = setupSteps({ caFile, caPem: mock.cluster.caCertificate, namespace, serviceAccount });
  const indent = (text: string) => text.replace(/^(?=.)/gm, '    ');
  const lines = [
    'Mock Vault is running (in memory, dev mode: never use it for real secrets).',
    '',
    indent(exports.join('\n')),
    '',
    `Root token: ${mock.rootToken}`,
    `Unseal key: ${mock.unsealKey}`,
    `Service-account token file (${namespace}/${serviceAccount}, valid 24 h): ${tokenFile}`,
    `Kubernetes CA for auth/kubernetes/config: ${caFile}`,
    // What `kubectl get --raw /.well-known/openid-configuration` tells a cluster admin setting up
    // Vault's JWT auth method (oidc_discovery_url, jwks_url or jwt_validation_pubkeys).
    `Service-account issuer: ${mock.cluster.issuer} (discovery document: ${mock.cluster.discoveryUrl})`,
    `Service-account JWKS URL: ${mock.cluster.jwksUrl}`,
    `Service-account signing key (public, PEM): ${publicKeyFile}`,
    mock.cluster.publicKeyPem.trim(),
    '',
  ];
  if (options.setup !== 'none') {
    const block =
      options.setup === 'curl'
        ? renderCurl(steps, { ca: mock.tls !== undefined, client: options.mtls })
        : renderVault(steps);
    lines.push(
      `Set it up as a real Vault, with the exports above (--setup ${options.setup === 'curl' ? 'vault' : 'curl'} prints the ${options.setup === 'curl' ? 'vault CLI' : 'curl'} form):`,
      '',
      indent(block),
      '',
      'Then point the app at it:',
      '',
      indent(
        `new VaultKubernetesClient({\n  address: '${mock.address}',\n  auth: { role: '${ROLE}', tokenPath: '${tokenFile}' },\n})`,
      ),
      '',
    );
  }
  lines.push('Press Ctrl+C to stop.', '');
  return {
    mock,
    banner: lines.join('\n'),
    async stop() {
      clearInterval(ticker);
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const mockVaultCommand: CliCommand = {
  name: 'mock-vault',
  summary: 'Run the mock Vault in the foreground, like `vault server -dev`',
  description: [
    "Runs the mock Vault (Vault's HTTP API, in memory) until Ctrl+C, and prints the exports, a",
    'service-account token file it trusts, and the setup to paste: Kubernetes auth, a policy, a role,',
    'a KV v2 secret and a database engine, as vault CLI or curl commands with the real values.',
  ].join('\n'),
  options: [
    { name: 'port', value: 'n', description: 'port to listen on (default 8200; 0 picks a free one)' },
    { name: 'host', value: 'addr', description: 'address to listen on (default 127.0.0.1)' },
    { name: 'root-token', value: 'token', description: 'the root token (default "root")' },
    { name: 'tls', description: 'serve HTTPS from a generated CA (its PEM is written to a file)' },
    { name: 'mtls', description: 'like --tls, and require client certificates' },
    {
      name: 'service-account',
      value: 'namespace/name',
      description: 'whom the token file and the role are for (default default/myapp-sa)',
    },
    {
      name: 'setup',
      value: 'vault|curl|none',
      description: 'how to print the setup commands (default vault)',
    },
  ],
  async run(args, io) {
    const server = await startDevServer(devServerOptions(args));
    // Listen for the signals before announcing readiness: a supervisor that signals as soon as it
    // reads the banner must reach the clean shutdown, not Node's default exit on SIGINT/SIGTERM.
    const stopped = new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.stdout(server.banner);
    await stopped;
    await server.stop();
    io.stdout('Mock Vault stopped.\n');
    return 0;
  },
};
