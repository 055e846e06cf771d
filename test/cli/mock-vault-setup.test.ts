import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultKubernetesClient } from '../../src';
import { type DevServer, devServerOptions, startDevServer } from '../../src/cli/mock-vault-command';

const exec = promisify(execFile);
const servers: DevServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(...argv: string[]): Promise<DevServer> {
  const args = Object.fromEntries(
    argv.map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k!, v ?? true]),
  );
  const server = await startDevServer(devServerOptions({ port: '0', ...args }));
  servers.push(server);
  return server;
}

/** The banner's exports and its setup block, as a user pastes them: indented text, unindented. */
function pasted(banner: string): string {
  const exports = banner.match(/^ {4}export .*$/gm)!.map((l) => l.trim());
  const block = banner.split(/^Set it up as a real Vault.*\n\n/m)[1]!.split(/\n\nThen point the app/)[0]!;
  return [...exports, 'set -e', block.replace(/^ {4}/gm, '')].join('\n');
}

const printed = (banner: string, pattern: RegExp) => pattern.exec(banner)![1]!;

/** After the setup, the app as the banner tells to configure it: login, KV v2 and database credentials. */
async function appWorks(server: DevServer): Promise<void> {
  const tokenPath = printed(server.banner, /tokenPath: '([^']+)'/);
  const vault = new VaultKubernetesClient({
    address: printed(server.banner, /address: '([^']+)'/),
    auth: { role: 'myapp-role', tokenPath },
    clock: server.mock.clock,
    logLevel: 'silent',
    ...(server.mock.tls
      ? {
          tls: {
            caCert: server.mock.tls.caCertificate,
            clientCert: server.mock.tls.clientCertificate.certificate,
            clientKey: server.mock.tls.clientCertificate.privateKey,
          },
        }
      : {}),
  });
  try {
    const config = await vault.secret('secret/data/myapp/config');
    expect(config.data).toEqual({ api_url: 'https://api.example.com', feature_flag: 'on' });
    const creds = await vault.secret('database/creds/app');
    expect(creds.lease?.ttlMs).toBe(3_600_000);
    expect(server.mock.databaseUsers({ live: true }).map((u) => u.username)).toEqual([creds.data.username]);
  } finally {
    await vault.close({ revoke: true });
  }
}

/**
 * A stand-in for the `vault` binary (not installable here), written from the vault CLI's
 * documented behaviour: `auth enable`, `secrets enable`, `policy write NAME -`, and
 * `write PATH k=v k=@file` or `write PATH -` (a JSON body on stdin). It proves the printed
 * commands survive the shell (quoting, heredocs) and carry the same calls as the curl form.
 */
const VAULT_SHIM = `#!/usr/bin/env node
const { readFileSync } = require('node:fs');
const [cmd, ...rest] = process.argv.slice(2);
const stdin = () => readFileSync(0, 'utf8');
let method = 'POST', path, body;
if (cmd === 'auth' && rest[0] === 'enable') { path = 'sys/auth/' + rest[1]; body = { type: rest[1] }; }
else if (cmd === 'secrets' && rest[0] === 'enable') { path = 'sys/mounts/' + rest[1]; body = { type: rest[1] }; }
else if (cmd === 'policy' && rest[0] === 'write') { method = 'PUT'; path = 'sys/policies/acl/' + rest[1]; body = { policy: rest[2] === '-' ? stdin() : readFileSync(rest[2], 'utf8') }; }
else if (cmd === 'write') {
  path = rest[0];
  if (rest[1] === '-') body = JSON.parse(stdin());
  else body = Object.fromEntries(rest.slice(1).map((kv) => { const i = kv.indexOf('='); const v = kv.slice(i + 1); return [kv.slice(0, i), v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v]; }));
} else { console.error('shim: unsupported: vault ' + process.argv.slice(2).join(' ')); process.exit(2); }
fetch(process.env.VAULT_ADDR + '/v1/' + path, { method, headers: { 'X-Vault-Token': process.env.VAULT_TOKEN }, body: JSON.stringify(body) })
  .then(async (res) => { if (res.status >= 400) { console.error(res.status, await res.text()); process.exit(2); } });
`;

describe('mock-vault: the printed setup block', () => {
  it('the curl form, pasted into a shell, sets up what the app needs (Kubernetes auth, policy, role, KV v2, database)', async () => {
    const server = await start('--setup=curl');
    await exec('bash', ['-c', pasted(server.banner)]);
    await appWorks(server);
  });

  it('the curl form works over mTLS with the printed CA and client certificate files', async () => {
    const server = await start('--mtls', '--setup=curl');
    expect(pasted(server.banner)).toMatch(/export VAULT_CLIENT_KEY=/);
    await exec('bash', ['-c', pasted(server.banner)]);
    await appWorks(server);
  });

  it('the vault CLI form (the default) makes the same calls, quoting and heredocs included', async () => {
    const server = await start('--service-account=payments/api-sa');
    expect(server.banner).toContain('vault auth enable kubernetes');
    expect(server.banner).toMatch(/kubernetes_ca_cert=@\S+k8s-ca\.crt/);
    expect(server.banner).toContain('bound_service_account_namespaces=payments');
    const bin = await mkdtemp(join(tmpdir(), 'vault-shim-'));
    dirs.push(bin);
    await writeFile(join(bin, 'vault'), VAULT_SHIM);
    await chmod(join(bin, 'vault'), 0o755);
    await exec('bash', ['-c', pasted(server.banner)], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    await appWorks(server);
  });

  it('--setup none prints no block; the banner keeps the exports and the files', async () => {
    const server = await start('--setup=none');
    expect(server.banner).not.toContain('Set it up');
    expect(server.banner).toMatch(/export VAULT_ADDR=http:\/\/127\.0\.0\.1:\d+/);
    expect(server.banner).toMatch(/Service-account token file \(default\/myapp-sa, valid 24 h\): \S+/);
  });
});
