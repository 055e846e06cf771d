import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientOptions,
  type Logger,
  LoginCredentialError,
  ServiceAccountTokenError,
  VaultConfigError,
  VaultKubernetesClient,
  VaultLoginError,
} from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeError } from '../helpers/harness';
import { type HostileVault, reply, startHostileVault } from './server';

/**
 * Logins against a hostile Vault (a loopback server that answers what each test says): AppRole,
 * JWT sources that hang, token files, and the Vault CLI's token. Every login settles within
 * `timeouts.requestMs` with a typed error, and no credential shows in a message or a log line.
 */
let vault: HostileVault;
let dir: string;
let clock: ManualClock;
const clients: VaultKubernetesClient[] = [];
const logs: string[] = [];
const logger: Logger = {
  debug: (f, m) => logs.push(`debug ${m} ${JSON.stringify(f)}`),
  info: (f, m) => logs.push(`info ${m} ${JSON.stringify(f)}`),
  warn: (f, m) => logs.push(`warn ${m} ${JSON.stringify(f)}`),
  error: (f, m) => logs.push(`error ${m} ${JSON.stringify(f)}`),
};

beforeEach(async () => {
  vault = await startHostileVault();
  dir = await mkdtemp(join(tmpdir(), 'surface-logins-'));
  clock = new ManualClock();
  logs.length = 0;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await vault.close();
  await rm(dir, { recursive: true, force: true });
});

function client(options: Partial<ClientOptions>): VaultKubernetesClient {
  const c = new VaultKubernetesClient({
    address: vault.address,
    clock,
    logger,
    logLevel: 'debug',
    retry: { maxRetries: 0 },
    timeouts: { requestMs: 5_000 },
    ...options,
  });
  clients.push(c);
  return c;
}

const bodyOf = (path: string) =>
  vault.requests
    .filter((r) => r.path === path)
    .map((r) => JSON.parse(r.body || '{}') as Record<string, unknown>);

/** Settles `work` only after the clock moved past `ms`: proves it waited on the clock, and no longer. */
async function settlesAfter(work: Promise<unknown>, ms: number): Promise<unknown> {
  let settled = false;
  const outcome = work.then(
    (v) => ({ ok: true, v }),
    (e: unknown) => ({ ok: false, e }),
  );
  void outcome.then(() => {
    settled = true;
  });
  await clock.advance(ms - 1);
  expect(settled, 'settled before the timeout').toBe(false);
  await clock.advance(1);
  const result = await outcome;
  expect(result.ok).toBe(false);
  return (result as { e: unknown }).e;
}

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

describe('AppRole', () => {
  it('sends role id and secret id, and re-reads the secret id file at every login', async () => {
    const secretIdFile = join(dir, 'secret-id');
    await writeFile(secretIdFile, 'secret-id-one\n');
    // Routes are tried newest first: the one-off answers the first login.
    vault.route('auth/approle/login', reply.login('hvs.approle-token-2', { accessor: 'a2' }));
    vault.route('auth/approle/login', reply.login('hvs.approle-token-1', { accessor: 'a1' }), { times: 1 });
    vault.route('secret/data/app', reply.kv2({ user: 'u' }));
    vault.route('secret/data/app', reply.errors(403, ['permission denied', 'invalid token']), { times: 1 });
    const c = client({ auth: { method: 'approle', roleId: 'role-id-abc', secretIdFile } });
    await c.start();
    await writeFile(secretIdFile, 'secret-id-two');
    // Vault says the token died: the client logs in again with the file as it is now.
    expect((await c.read('secret/data/app')).data).toMatchObject({ data: { user: 'u' } });
    expect(bodyOf('auth/approle/login')).toEqual([
      { role_id: 'role-id-abc', secret_id: 'secret-id-one' },
      { role_id: 'role-id-abc', secret_id: 'secret-id-two' },
    ]);
    expect(c.tokenInfo()).toMatchObject({ method: 'approle', accessor: 'a2' });
  });

  it('unwraps a response-wrapped secret id once, and keeps it for later logins', async () => {
    vault.route(
      'sys/wrapping/unwrap',
      reply.data({ secret_id: 'unwrapped-secret-id', secret_id_accessor: 'x' }),
    );
    let logins = 0;
    vault.route('auth/approle/login', () => reply.login(`hvs.approle-token-${++logins}`));
    vault.route('secret/data/app', reply.kv2({ user: 'u' }));
    vault.route('secret/data/app', reply.errors(403, ['invalid token']), { times: 1 });
    const c = client({
      auth: { method: 'approle', roleId: 'role-id-abc', wrappedSecretId: 'hvs.wrapping-token' },
    });
    await c.read('secret/data/app');
    const unwraps = vault.requests.filter((r) => r.path === 'sys/wrapping/unwrap');
    expect(unwraps).toHaveLength(1);
    expect(unwraps[0]!.headers['x-vault-token']).toBe('hvs.wrapping-token');
    expect(bodyOf('auth/approle/login').map((b) => b.secret_id)).toEqual([
      'unwrapped-secret-id',
      'unwrapped-secret-id',
    ]);
  });

  it('a spent wrapping token says to wrap a new one, without the token', async () => {
    vault.route('sys/wrapping/unwrap', reply.errors(400, ['wrapping token is not valid or does not exist']));
    const error = await client({
      auth: { method: 'approle', roleId: 'role-id-abc', wrappedSecretId: 'hvs.spent-wrapping-token' },
    })
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultLoginError);
    expect((error as Error).message).toMatch(/wrapping token is not valid.*works once.*wrap a new secret id/);
    expect(describeError(error)).not.toContain('spent-wrapping-token');
  });

  it('Vault quoting a bad secret id back never puts it in the error, the log or the event', async () => {
    vault.route('auth/approle/login', (r) => {
      const { secret_id } = JSON.parse(r.body) as { secret_id: string };
      return reply.errors(400, [`invalid secret_id "${secret_id}"`]);
    });
    const c = client({
      auth: { method: 'approle', roleId: 'role-id-xyz-123', secretId: 'super-secret-id-value' },
    });
    const events: unknown[] = [];
    c.on('error', (e) => events.push(e));
    const error = await c.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultLoginError);
    expect((error as VaultLoginError).method).toBe('approle');
    expect((error as Error).message).toMatch(
      /Vault refused AppRole login at auth\/approle.*Generate a new secret id/,
    );
    const visible = [describeError(error), JSON.stringify(events), ...logs].join('\n');
    expect(visible).not.toContain('super-secret-id-value');
    expect(visible).not.toContain('role-id-xyz-123');
  });

  it('a secret id function that never answers fails within requestMs, before any login request', async () => {
    const c = client({
      auth: { method: 'approle', roleId: 'r', secretId: () => new Promise<string>(() => undefined) },
    });
    const error = await settlesAfter(c.start(), 5_000);
    expect(error).toBeInstanceOf(LoginCredentialError);
    expect(error).toMatchObject({ credential: 'secretId', problem: 'timeout' });
    expect((error as Error).message).toMatch(
      /auth.secretId did not answer within 5000 ms \(timeouts.requestMs\)/,
    );
    expect(vault.requests.filter((r) => r.path === 'auth/approle/login')).toHaveLength(0);
  });

  it('a FIFO, an empty file or a missing file as the secret id is a typed error at once', async () => {
    const cases: [string, RegExp, string][] = [
      [mkfifo(join(dir, 'fifo')), /is a named pipe \(FIFO\), not a file/, 'unreadable'],
      [join(dir, 'missing'), /does not exist/, 'missing'],
    ];
    await writeFile(join(dir, 'empty'), '\n');
    cases.push([join(dir, 'empty'), /is empty/, 'empty']);
    for (const [secretIdFile, message, problem] of cases) {
      const error = await client({ auth: { method: 'approle', roleId: 'r', secretIdFile } })
        .start()
        .catch((e: unknown) => e);
      expect(error, secretIdFile).toBeInstanceOf(LoginCredentialError);
      expect((error as LoginCredentialError).problem).toBe(problem);
      expect((error as Error).message).toMatch(message);
    }
    expect(vault.requests).toHaveLength(0);
  });
});

describe('a JWT source that hangs', () => {
  for (const method of ['kubernetes', 'jwt'] as const) {
    it(`${method}: an auth.jwt function that never resolves fails with ServiceAccountTokenError after requestMs`, async () => {
      const c = client({ auth: { method, role: 'app', jwt: () => new Promise<string>(() => undefined) } });
      const error = await settlesAfter(c.start(), 5_000);
      expect(error).toBeInstanceOf(ServiceAccountTokenError);
      expect((error as Error).message).toMatch(/did not return a JWT within 5000 ms \(timeouts.requestMs\)/);
      expect(vault.requests).toHaveLength(0);
    });

    it(`${method}: a FIFO as the token file is refused at once, never read`, async () => {
      const tokenPath = mkfifo(join(dir, `token-${method}`));
      const error = await client({ auth: { method, role: 'app', tokenPath } })
        .start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceAccountTokenError);
      expect((error as Error).message).toMatch(/named pipe \(FIFO\)/);
    });
  }
});

describe('tokens the client did not create', () => {
  const lookup = (accessor: string) =>
    reply.data({ accessor, policies: ['default'], ttl: 3600, creation_ttl: 3600, renewable: false });

  it("a token file (the Agent's) is re-read when Vault refuses the token, and never revoked", async () => {
    const tokenPath = join(dir, 'agent-inject-token');
    await writeFile(tokenPath, 'hvs.agent-token-one\n');
    vault.route('auth/token/lookup-self', (r) =>
      lookup(r.headers['x-vault-token'] === 'hvs.agent-token-two' ? 'two' : 'one'),
    );
    vault.route('secret/data/app', (r) =>
      r.headers['x-vault-token'] === 'hvs.agent-token-two'
        ? reply.kv2({ user: 'u' })
        : reply.errors(403, ['invalid token']),
    );
    const c = client({ auth: { method: 'token', tokenPath } });
    await c.start();
    // The Agent re-authenticated and rewrote its sink file.
    await writeFile(tokenPath, 'hvs.agent-token-two\n');
    expect((await c.read('secret/data/app')).data).toMatchObject({ data: { user: 'u' } });
    expect(c.tokenInfo()?.accessor).toBe('two');
    await c.close({ revoke: true });
    expect(vault.requests.filter((r) => r.path.includes('revoke'))).toHaveLength(0);
    expect(logs.join('\n')).toContain(`using the token from the token file ${tokenPath}`);
    expect(logs.join('\n')).not.toMatch(/agent-token-(one|two)/);
  });

  it('without auth: VAULT_TOKEN, else ~/.vault-token, else the token helper in ~/.vault, logging which', async () => {
    vault.route('auth/token/lookup-self', (r) => lookup(String(r.headers['x-vault-token'])));
    vi.stubEnv('HOME', dir);
    vi.stubEnv('VAULT_CONFIG_PATH', '');

    vi.stubEnv('VAULT_TOKEN', 'hvs.from-env');
    const fromEnv = client({});
    await fromEnv.start();
    expect(fromEnv.tokenInfo()?.accessor).toBe('hvs.from-env');

    vi.stubEnv('VAULT_TOKEN', '');
    await writeFile(join(dir, '.vault-token'), 'hvs.from-file');
    const fromFile = client({});
    await fromFile.start();
    expect(fromFile.tokenInfo()?.accessor).toBe('hvs.from-file');

    const helper = join(dir, 'helper.sh');
    // Prints a token that carries the port of the VAULT_ADDR it was given (shell: strip up to the last colon).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    const script = '#!/bin/sh\n[ "$1" = get ] && printf "hvs.from-helper-%s" "${VAULT_ADDR##*:}"\n';
    await writeFile(helper, script);
    await chmod(helper, 0o755);
    await writeFile(join(dir, '.vault'), `# the Vault CLI's config\ntoken_helper = "${helper}"\n`);
    const fromHelper = client({});
    await fromHelper.start();
    expect(fromHelper.tokenInfo()?.accessor).toBe(`hvs.from-helper-${vault.port}`);

    const log = logs.filter((l) => l.startsWith('info using the token from'));
    expect(log.map((l) => l.replace(/ \{.*/, ''))).toEqual([
      'info using the token from VAULT_TOKEN',
      `info using the token from ${join(dir, '.vault-token')}`,
      `info using the token from the token helper ${helper}`,
    ]);
    expect(logs.join('\n')).not.toMatch(/hvs\.from-/);
  });

  it('a token helper that hangs or fails, or one given as a relative path, is a typed error', async () => {
    vi.stubEnv('HOME', dir);
    vi.stubEnv('VAULT_TOKEN', '');
    const hanging = join(dir, 'hang.sh');
    await writeFile(hanging, '#!/bin/sh\nexec sleep 5\n');
    await chmod(hanging, 0o755);
    vi.stubEnv('VAULT_CONFIG_PATH', join(dir, 'hang.hcl'));
    await writeFile(join(dir, 'hang.hcl'), `token_helper = "${hanging}"\n`);
    const error = await settlesAfter(client({ timeouts: { requestMs: 2_000 } }).start(), 2_000);
    expect(error).toBeInstanceOf(LoginCredentialError);
    expect((error as Error).message).toMatch(/did not answer within 2000 ms/);

    const failing = join(dir, 'fail.sh');
    await writeFile(failing, '#!/bin/sh\necho "oops hvs.leaked" >&2\nexit 3\n');
    await chmod(failing, 0o755);
    await writeFile(join(dir, 'hang.hcl'), `token_helper = "${failing}"\n`);
    const failed = await client({})
      .start()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LoginCredentialError);
    expect((failed as Error).message).toMatch(/failed .*run ".*fail.sh get" to see why/);
    expect((failed as Error).message).not.toContain('hvs.leaked');

    await writeFile(join(dir, 'hang.hcl'), 'token_helper = "helper.sh"\n');
    const relative = await client({})
      .start()
      .catch((e: unknown) => e);
    expect(relative).toBeInstanceOf(VaultConfigError);
    expect((relative as Error).message).toMatch(/not an absolute path/);
    expect(vault.requests).toHaveLength(0);
  });
});
