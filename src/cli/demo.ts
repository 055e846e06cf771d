import { VaultKubernetesClient, VaultLoginError, VaultPermissionDeniedError } from '../index';
import { startMockVault } from '../testing';
import type { Args } from './args';
import type { CliCommand, CliIo } from './command';
import { demoDatabase } from './demo-database';
import { renderVault, type SetupStep, setupSteps } from './setup-steps';

const HOUR = 3_600_000;
const SIMULATED_HOURS = 26;

/**
 * Each Vault term, explained where it first appears: the step that introduces it, by API path.
 * The demo is written for someone who has never used Vault.
 */
const TERMS: Record<string, string> = {
  'sys/auth/kubernetes':
    "Kubernetes auth method: Vault accepts a pod's service-account token (a JWT the cluster signs) as proof of who the pod is.",
  'sys/policies/acl/myapp-policy': 'Policy: the Vault paths a token may use, and how.',
  'auth/kubernetes/role/myapp-role':
    "Role: which service accounts may log in, the policies they get, and their token's TTL (lifetime, 1 h) and max TTL (24 h, renewals stop there).",
  'secret/data/myapp/config': 'KV v2: a versioned key/value store, here for static configuration.',
  'sys/mounts/database':
    'Database secrets engine: creates a database user on demand. Each comes with a lease: Vault drops the user when the lease ends (1 h, renewable up to a 4 h max TTL).',
};

/**
 * `npm run demo`: an introduction to Vault and this client in about 40 lines. It sets up an
 * embedded mock Vault through Vault's HTTP API (the same commands `mock-vault` prints), runs the
 * client as a pod would, then fast-forwards simulated hours and summarises the upkeep.
 */
export async function runDemo(write: (text: string) => void): Promise<number> {
  const started = Date.now();
  const mock = await startMockVault();
  const clock = mock.clock;
  const t0 = clock.now();
  const at = () => `+${formatDuration(clock.now() - t0)}`;
  const say = (line: string) => write(`${line}\n`);

  // What an operator types, sent as the vault CLI sends it; the first line of the command shown.
  const apply = async (step: SetupStep) => {
    const res = await fetch(`${mock.address}/v1/${step.path}`, {
      method: step.method,
      headers: { 'X-Vault-Token': mock.rootToken, 'Content-Type': 'application/json' },
      body: JSON.stringify(step.body),
    });
    if (res.status >= 400) throw new Error(`${step.path}: ${res.status} ${await res.text()}`);
    const term = TERMS[step.path];
    if (term) say(wrap(term, '  '));
    const command = renderVault([step]).split('\n')[1]!;
    say(`      $ ${command.length > 84 ? `${command.slice(0, 81)}...` : command}`);
  };

  try {
    say('A Node service on Kubernetes gets its secrets from HashiCorp Vault. Everything here runs');
    say(
      `in this process: a mock Vault (Vault's HTTP API, in memory, at ${mock.address}) on a simulated clock.`,
    );
    say(
      '\n1. Vault, set up once by an operator (`vault-kubernetes-client mock-vault` prints these commands)',
    );
    const caFile = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
    // A real PostgreSQL when one answers (a real pool then follows the credentials), else in memory.
    const database = await demoDatabase();
    const steps = setupSteps({
      caFile,
      caPem: mock.cluster.caCertificate,
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      ...(database.setup && { database: database.setup }),
    });
    for (const step of steps) await apply(step);

    say("\n2. The app in its pod: `new VaultKubernetesClient({ auth: { role: 'myapp-role' } })`");
    const tokenPath = await mock.cluster.writeToken({
      namespace: 'default',
      serviceAccount: 'myapp-sa',
      expiresIn: 48 * 3600,
    });
    const client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      clock,
      logLevel: 'silent',
    });
    const counts = { tokenRenewals: 0, logins: [] as string[], leaseRenewals: 0, rotations: [] as string[] };
    client.on('auth:login', (e) => {
      if (e.reason !== 'initial') counts.logins.push(`${at().trim()} (${e.reason})`);
    });
    client.on('auth:renewed', () => counts.tokenRenewals++);
    client.on('lease:renewed', () => counts.leaseRenewals++);
    client.on('secret:rotated', (e) => {
      if (e.path === 'database/creds/app')
        counts.rotations.push(`${at().trim()}${e.reason === 'max-ttl' ? '' : ` (${e.reason})`}`);
    });
    client.on('error', (e) => say(`  ${at()} error: phase ${e.phase}, ${e.error.code}`));

    await client.start();
    const info = client.tokenInfo();
    say(
      `  start(): logged in with the service-account token; got a Vault token (TTL ${formatDuration(info?.ttlMs ?? 0)}, policies ${info?.policies.join(', ')})`,
    );
    const config = await client.secret('secret/data/myapp/config');
    say(
      `  secret('secret/data/myapp/config'): version ${config.version}, keys ${Object.keys(config.data).join(', ')} (cached, kept current)`,
    );
    let user = '';
    let leaseMs = 0;
    const stop = client.watch('database/creds/app', (creds) => {
      user = String(creds.data.username);
      leaseMs = creds.lease?.ttlMs ?? 0;
    });
    await stop.ready;
    const pool = database.open(client);
    say(`  watch('database/creds/app'): user ${user}, lease ${formatDuration(leaseMs)}`);
    try {
      await client.read('secret/data/billing/config');
    } catch (error) {
      if (!(error instanceof VaultPermissionDeniedError)) throw error;
      say(`  read('secret/data/billing/config'): ${error.name}, the policy does not list it`);
    }
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
      if (!(error instanceof VaultLoginError)) throw error;
      say(`  the same role from a pod running as billing-sa: ${error.name}, ${error.reason}`);
    } finally {
      await other.close();
    }

    say(`\n3. ${SIMULATED_HOURS} simulated hours, fast-forwarded (the app uses its credentials every hour)`);
    let deadUses = 0;
    for (let hour = 1; hour <= SIMULATED_HOURS; hour++) {
      await clock.advance(HOUR);
      const creds = await client.secret('database/creds/app');
      await pool?.use();
      // The mock knows which users its database engine still has: a dead one would be an outage.
      if (!mock.databaseUsers({ live: true }).some((u) => u.username === creds.data.username)) deadUses++;
    }
    stop();
    say(`  Vault token: renewed ${counts.tokenRenewals} times, each at about 2/3 of its TTL. Renewals stop`);
    say(`    at its 24 h max TTL, so the client logged in again before then: ${counts.logins.join(', ')}.`);
    say(
      `  Database lease: renewed ${counts.leaseRenewals} times. Before each 4 h max TTL the client fetched a new`,
    );
    say(`    user and handed it to watch(): ${counts.rotations.join(', ')};`);
    say('    a new login also means new credentials (leases die with the token that made them).');
    say(`    Each old user was revoked after a grace period. Uses of a dead user: ${deadUses}.`);
    if (pool) say(await pool.finish());
    say('\n4. Shutdown: close({ revoke: true })');
    await client.close({ revoke: true });
    const tokensLeft = mock.tokens().filter((t) => t.role === 'myapp-role').length;
    say(
      `  tokens left: ${tokensLeft}, leases left: ${mock.leases().length}, live database users: ${mock.databaseUsers({ live: true }).length}`,
    );
    say(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s of real time.`);
    return 0;
  } finally {
    await mock.close();
  }
}

/** Words re-flowed to lines of at most 100 characters, each starting with `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > 100 && line.trim()) {
      lines.push(line.trimEnd());
      line = `${indent}  `;
    }
    line += `${word} `;
  }
  lines.push(line.trimEnd());
  return lines.join('\n');
}

function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${h}h`;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'A tour of Vault and this client on an embedded mock Vault (simulated hours)',
  description: [
    'Sets up an embedded mock Vault as an operator would (Kubernetes auth, a policy, a role, KV v2,',
    'a database engine), runs the client as a pod would, fast-forwards 26 simulated hours of',
    'renewals and rotations, and closes. Each Vault term is explained where it first appears.',
  ].join('\n'),
  options: [],
  run: (_args: Args, io: CliIo) => runDemo(io.stdout),
};
