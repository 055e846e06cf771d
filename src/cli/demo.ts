import { VaultKubernetesClient, VaultLoginError, VaultPermissionDeniedError } from '../index';
import { startMockVault } from '../testing';
import type { Args } from './args';

const HOUR = 3_600_000;

/**
 * `npm run demo`: the article's setup, done through Vault's HTTP API on an embedded mock Vault,
 * then the client as the pod would run it, with simulated hours fast-forwarded.
 */
export async function runDemo(
  _args: Args,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const started = Date.now();
  const mock = await startMockVault();
  const clock = mock.clock;
  const t0 = clock.now();
  const stamp = () => `+${formatDuration(clock.now() - t0).padStart(7)}`;
  const say = (line: string) => write(`${line}\n`);
  const step = (line: string) => say(`\n== ${line}`);

  // What an operator types, sent as the vault CLI sends it.
  const vault = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${mock.address}/v1/${path}`, {
      method,
      headers: {
        'X-Vault-Token': mock.rootToken,
        'X-Vault-Request': 'true',
        'Content-Type': 'application/json',
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    say(`   vault ${method === 'GET' ? 'read' : 'write'} ${path}  ->  ${res.status}`);
    if (res.status >= 400) throw new Error(`${path}: ${await res.text()}`);
  };

  try {
    say(`Mock Vault listening at ${mock.address} (in memory, on a simulated clock)`);
    step('1-4. The article, verbatim: Kubernetes auth, its config, the policy and the role');
    await vault('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
    await vault('POST', 'auth/kubernetes/config', {
      token_reviewer_jwt: await mock.cluster.mintToken({ namespace: 'vault', serviceAccount: 'vault' }),
      kubernetes_host: 'https://10.96.0.1:443',
      kubernetes_ca_cert: mock.cluster.caCertificate,
    });
    await vault('PUT', 'sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" {\n  capabilities = ["read"]\n}\n',
    });
    await vault('POST', 'auth/kubernetes/role/myapp-role', {
      bound_service_account_names: 'myapp-sa',
      bound_service_account_namespaces: 'default',
      policies: 'myapp-policy',
      ttl: '1h',
      max_ttl: '24h',
    });
    await vault('POST', 'secret/data/myapp/config', {
      data: { api_url: 'https://api.example.com', feature_flag: 'on' },
    });
    say(
      '   (the article uses ttl=24h; the demo uses ttl=1h, max_ttl=24h so renewals and a re-login show up)',
    );

    step('Dynamic database credentials: a database engine and a role with 1 h leases, 4 h max');
    await vault('POST', 'sys/mounts/database', { type: 'database' });
    await vault('POST', 'database/config/postgres', {
      plugin_name: 'in-memory-database-plugin',
      connection_url: 'postgresql://{{username}}:{{password}}@postgres:5432/app',
      allowed_roles: 'app',
      username: 'vault',
      password: 'vault-root-password',
    });
    await vault('POST', 'database/roles/app', {
      db_name: 'postgres',
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      default_ttl: '1h',
      max_ttl: '4h',
    });
    await vault('PUT', 'sys/policies/acl/myapp-policy', {
      policy: [
        'path "secret/data/myapp/*" {\n  capabilities = ["read"]\n}',
        'path "database/creds/app" {\n  capabilities = ["read"]\n}',
        '# lets the client revoke a replaced lease once its grace period is over',
        'path "sys/leases/revoke" {\n  capabilities = ["update"]\n}',
      ].join('\n'),
    });

    step('5. The pod: its projected service-account token, and the client');
    const tokenPath = await mock.cluster.writeToken({
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      expiresIn: 48 * 3600,
    });
    say(`   service-account token file: ${tokenPath}`);
    const client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      clock,
      logLevel: 'silent',
    });
    client.on('auth:login', (e) =>
      say(
        `${stamp()}  auth:login    reason=${e.reason} accessor=${e.accessor} ttl=${formatDuration(e.ttlMs)} policies=${e.policies.join(',')}`,
      ),
    );
    client.on('auth:renewed', (e) =>
      say(
        `${stamp()}  auth:renewed  ttl=${formatDuration(e.ttlMs)}${e.capped ? ' (capped by max_ttl: a new login follows)' : ''}`,
      ),
    );
    client.on('lease:renewed', (e) =>
      say(
        `${stamp()}  lease:renewed ${e.path} ttl=${formatDuration(e.ttlMs)}${e.ttlMs < e.requestedTtlMs ? ' (capped by max_ttl: a replacement follows)' : ''}`,
      ),
    );
    client.on('secret:rotated', (e) =>
      say(
        `${stamp()}  secret:rotated ${e.path} reason=${e.reason} ${String((e.previous?.data as { username?: string } | undefined)?.username)} -> ${String((e.current.data as { username?: string }).username)}`,
      ),
    );
    client.on('error', (e) => say(`${stamp()}  error         phase=${e.phase} ${e.error.code}`));

    const config = await client.secret('secret/data/myapp/config');
    say(
      `${stamp()}  secret secret/data/myapp/config -> v${config.version}, keys ${Object.keys(config.data).join(', ')} (values stay in the app)`,
    );
    const stop = client.watch('database/creds/app', (creds, change) => {
      if (!change)
        say(
          `${stamp()}  watch database/creds/app -> connect as ${String(creds.data.username)} (lease ${formatDuration(creds.lease?.ttlMs ?? 0)})`,
        );
    });
    await stop.ready;

    step('Access denied, explained');
    try {
      await client.read('secret/data/billing/config');
    } catch (error) {
      if (error instanceof VaultPermissionDeniedError)
        say(`   ${error.name} (${error.code}): ${error.message}`);
      else throw error;
    }

    step('A pod whose service account the role does not name');
    const otherPath = await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'billing-sa' });
    const other = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath: otherPath },
      clock,
      logLevel: 'silent',
    });
    try {
      await other.start();
    } catch (error) {
      if (error instanceof VaultLoginError) say(`   ${error.name}: ${error.message}`);
      else throw error;
    } finally {
      await other.close();
    }

    step(
      'Fast-forward 26 simulated hours: renewals at about 2/3 of each TTL, rotations at max_ttl, a new login',
    );
    for (let hour = 1; hour <= 26; hour++) {
      await clock.advance(HOUR);
      await client.secret('database/creds/app');
    }
    stop();
    const info = client.tokenInfo();
    say(`${stamp()}  token still valid: ttl ${formatDuration(info?.ttlMs ?? 0)}, accessor ${info?.accessor}`);

    step('close({ revoke: true })');
    await client.close({ revoke: true });
    say(
      `   tokens of role myapp-role left in Vault: ${mock.tokens().filter((t) => t.role === 'myapp-role').length}`,
    );
    say(
      `   leases left in Vault: ${mock.leases().length}; live database users: ${mock.databaseUsers({ live: true }).length}`,
    );
    say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s of real time.`);
    return 0;
  } finally {
    await mock.close();
  }
}

function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s).padStart(2, '0')}s`
      : `${s}s`;
}
