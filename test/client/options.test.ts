import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultConfigError, VaultKubernetesClient } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
});

const error = (fn: () => unknown): VaultConfigError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VaultConfigError);
    return e as VaultConfigError;
  }
  throw new Error('expected a VaultConfigError');
};

describe('options', () => {
  it('a missing address says what to write instead', () => {
    vi.stubEnv('VAULT_ADDR', '');
    const e = error(() => new VaultKubernetesClient({ auth: { role: 'app' } }));
    expect(e.code).toBe('ERR_VAULT_CONFIG');
    expect(e.message).toMatch(/address: 'https:\/\/.*VAULT_ADDR/);
  });

  it('an unknown key names the key and guesses the intended one', () => {
    const e = error(
      () => new VaultKubernetesClient({ adress: 'https://v:8200', auth: { role: 'app' } } as never),
    );
    expect(e.message).toContain("unknown option 'adress' (did you mean 'address'?)");
    const nested = error(
      () =>
        new VaultKubernetesClient({
          address: 'https://v:8200',
          auth: { role: 'app', tokenpath: '/x' },
        } as never),
    );
    expect(nested.message).toContain("unknown option 'auth.tokenpath' (did you mean 'auth.tokenPath'?)");
  });

  it('bad values say which option and what is expected', () => {
    expect(
      error(() => new VaultKubernetesClient({ address: 'vault:8200', auth: { role: 'a' } })).message,
    ).toMatch(
      /option 'address': uses vault:\/\/; write an http\(s\) URL such as 'https:\/\/vault.example:8200'/,
    );
    expect(
      error(() => new VaultKubernetesClient({ address: 'https://v', auth: { role: '' } })).message,
    ).toMatch(/option 'auth.role'/);
    expect(
      error(
        () =>
          new VaultKubernetesClient({
            address: 'https://v',
            auth: { role: 'a' },
            timeouts: { requestMs: -1 },
          }),
      ).message,
    ).toMatch(/timeouts.requestMs.*milliseconds/);
    expect(
      error(
        () =>
          new VaultKubernetesClient({ address: 'https://v', auth: { role: 'a' }, logLevel: 'loud' as never }),
      ).message,
    ).toMatch(/logLevel/);
    expect(
      error(
        () =>
          new VaultKubernetesClient({
            address: 'https://v',
            auth: { role: 'a' },
            tls: { clientCert: 'PEM' },
          }),
      ).message,
    ).toMatch(/both a client certificate and its key/);
    expect(
      error(
        () => new VaultKubernetesClient({ address: 'https://v', auth: { role: 'a' }, logger: {} as never }),
      ).message,
    ).toMatch(/pino fits/);
  });

  it('without auth, VAULT_TOKEN is used; with neither, the first call says what to pass, before any request', async () => {
    vi.stubEnv('VAULT_TOKEN', '');
    const home = await mkdtemp(join(tmpdir(), 'no-vault-token-'));
    vi.stubEnv('HOME', home);
    vi.stubEnv('VAULT_CONFIG_PATH', '');
    let requests = 0;
    const client = new VaultKubernetesClient({
      address: 'https://v',
      fetch: async () => {
        requests += 1;
        throw new Error('no request expected');
      },
    });
    const e = await client.start().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VaultConfigError);
    expect((e as Error).message).toMatch(
      /no token in VAULT_TOKEN or .*\.vault-token.*auth: \{ role: 'my-app' \}.*vault login/,
    );
    expect(requests).toBe(0);
    await client.close();
    await rm(home, { recursive: true, force: true });
    vi.stubEnv('VAULT_TOKEN', 'hvs.fromtheenvironment000000');
    expect(() => new VaultKubernetesClient({ address: 'https://v' })).not.toThrow();
  });

  it('environment variables fill what the constructor leaves out; the constructor wins', () => {
    vi.stubEnv('VAULT_ADDR', 'https://env.example:8200');
    vi.stubEnv('VAULT_NAMESPACE', 'team-a');
    vi.stubEnv('VAULT_SKIP_VERIFY', 'maybe');
    expect(error(() => new VaultKubernetesClient({ auth: { role: 'a' } })).message).toMatch(
      /VAULT_SKIP_VERIFY="maybe" is not a boolean/,
    );
    vi.stubEnv('VAULT_SKIP_VERIFY', 'true');
    const fromEnv = new VaultKubernetesClient({ auth: { role: 'a' }, logLevel: 'silent' });
    expect(JSON.stringify(fromEnv)).toContain('https://env.example:8200');
    expect(JSON.stringify(fromEnv)).toContain('team-a');
    const fromCode = new VaultKubernetesClient({
      address: 'https://code.example',
      namespace: 'team-b',
      auth: { role: 'a' },
      logLevel: 'silent',
    });
    expect(JSON.stringify(fromCode)).toContain('https://code.example');
    expect(JSON.stringify(fromCode)).toContain('team-b');
  });

  it('does no I/O in the constructor: a token file that does not exist is not read yet', () => {
    expect(
      () =>
        new VaultKubernetesClient({
          address: 'https://v',
          auth: { role: 'a', tokenPath: '/nonexistent/token' },
          tls: { caCertFile: '/nonexistent/ca.pem' },
        }),
    ).not.toThrow();
  });

  it('first-hour mistakes each name the option and say what to write instead, before any I/O', () => {
    const base = { address: 'https://vault.example:8200' };
    const cases: [string, unknown, RegExp][] = [
      [
        'role as a number',
        { auth: { role: 123 } },
        /option 'auth.role': expected the Vault role name as a string, e.g. auth: \{ role: 'my-app' \} \(got 123\)/,
      ],
      [
        'auth without role',
        { auth: {} },
        /option 'auth.role': missing: the Vault role name is required, e.g. auth: \{ role: 'my-app' \}/,
      ],
      ['auth with only a mount', { auth: { mount: 'k8s' } }, /option 'auth.role': missing/],
      [
        'unknown method',
        { auth: { method: 'ldap', role: 'x' } },
        /option 'auth.method': 'ldap' is not a login method this client knows: 'kubernetes', .*'token'/,
      ],
      [
        'auth as a string',
        { auth: 'my-role' },
        /option 'auth': expected an object such as \{ role: 'my-app' \}.*\(got a string\)/,
      ],
      ['a token without method', { auth: { token: 'x' } }, /option 'auth.role': missing/],
      [
        'requestMs of 1e12',
        { timeouts: { requestMs: 1e12 } },
        /option 'timeouts.requestMs': is longer than the longest timer Node keeps \(2147483647 ms, about 24.8 days\); write a timeout such as 10_000 \(got 1000000000000\)/,
      ],
      [
        'negative requestMs',
        { timeouts: { requestMs: -1 } },
        /option 'timeouts.requestMs': must be more than 0 milliseconds, e.g. 10_000 \(got -1\)/,
      ],
      [
        'NaN totalMs',
        { timeouts: { totalMs: Number.NaN } },
        /option 'timeouts.totalMs': expected a deadline in milliseconds, e.g. 60_000 \(got NaN\)/,
      ],
      [
        'Infinity graceMs',
        { secrets: { graceMs: Number.POSITIVE_INFINITY } },
        /option 'secrets.graceMs': expected a grace period in milliseconds.*\(got Infinity\)/,
      ],
      [
        'fractional delay',
        { retry: { minDelayMs: 0.5 } },
        /option 'retry.minDelayMs': expected a whole number of milliseconds/,
      ],
      [
        'string timeout',
        { timeouts: { requestMs: '10s' } },
        /option 'timeouts.requestMs': expected a timeout in milliseconds, e.g. 10_000 \(got a string\)/,
      ],
      [
        'too many retries',
        { retry: { maxRetries: 1000 } },
        /option 'retry.maxRetries': must be at most 20, e.g. 2 \(got 1000\)/,
      ],
      [
        'renewAt of 2',
        { token: { renewAt: 2 } },
        /option 'token.renewAt': must be less than 0.95, e.g. 2 \/ 3 \(got 2\)/,
      ],
      [
        'mount traversal',
        { auth: { role: 'a', mount: 'k/../../sys' } },
        /option 'auth.mount': has a '..' segment; write the auth mount such as 'kubernetes'/,
      ],
      [
        'mount with a query',
        { auth: { role: 'a', mount: 'kubernetes?x=1' } },
        /option 'auth.mount': has a segment with characters Vault paths do not take/,
      ],
      [
        'address ending in /v1',
        { address: 'https://vault.example:8200/v1' },
        /option 'address': ends in \/v1, the API prefix the client adds itself; write 'https:\/\/vault.example:8200'/,
      ],
      [
        'address ending in /v1/',
        { address: 'https://vault.example:8200/v1/' },
        /ends in \/v1.*write 'https:\/\/vault.example:8200'/,
      ],
      [
        'namespace with CR/LF',
        { namespace: 'team-a\r\nX-Injected: 1' },
        /option 'namespace': contains a line break or another control character; write the namespace on one line/,
      ],
      [
        'namespace traversal',
        { namespace: 'team-a/../root' },
        /option 'namespace': has a '..' segment; write a namespace such as 'team-a'/,
      ],
      [
        'role with a line break',
        { auth: { role: 'app\nother' } },
        /option 'auth.role': contains a line break/,
      ],
      [
        'jwt without role',
        { auth: { method: 'jwt' } },
        /option 'auth.role': missing: the Vault role name is required, e.g. auth: \{ method: 'jwt', role: 'my-app' \}/,
      ],
      [
        'approle without role id',
        { auth: { method: 'approle', secretId: 's' } },
        /option 'auth.roleId': missing: AppRole login needs the role id/,
      ],
      [
        'approle with two secret ids',
        { auth: { method: 'approle', roleId: 'r', secretId: 's', secretIdFile: '/f' } },
        /option 'auth.secretIdFile': set one of auth.secretId, auth.secretIdFile or auth.wrappedSecretId, not auth.secretId and auth.secretIdFile/,
      ],
      [
        'approle with a role field',
        { auth: { method: 'approle', roleId: 'r', role: 'x' } },
        /unknown option 'auth.role'/,
      ],
      [
        'token without token',
        { auth: { method: 'token' } },
        /option 'auth.token': missing: set auth.token, or auth.tokenPath/,
      ],
      [
        'token and tokenPath',
        { auth: { method: 'token', token: 't', tokenPath: '/t' } },
        /set either auth.token or auth.tokenPath, not both/,
      ],
      [
        'auth namespace with CR/LF',
        { auth: { role: 'a', namespace: 'admin\r\n' } },
        /option 'auth.namespace': contains a line break/,
      ],
    ];
    for (const [name, options, expected] of cases) {
      const e = error(
        () => new VaultKubernetesClient({ ...base, auth: { role: 'app' }, ...(options as object) }),
      );
      expect(e.message, name).toMatch(expected);
    }
  });

  it('an address with credentials or a token with a line break is refused without echoing either', () => {
    const e = error(
      () =>
        new VaultKubernetesClient({ address: 'https://admin:hunter2-pass@vault:8200', auth: { role: 'a' } }),
    );
    expect(e.message).toMatch(/holds a user name or password \(user:pass@\).*remove them/);
    expect(e.message).not.toContain('hunter2-pass');
    const t = error(
      () =>
        new VaultKubernetesClient({
          address: 'https://v',
          auth: { method: 'token', token: 'hvs.SECRETTOKEN\r\nX-Evil: 1' },
        }),
    );
    expect(t.message).toMatch(/option 'auth.token': contains a line break/);
    expect(t.message).not.toContain('SECRETTOKEN');
  });

  it('the environment gets the same checks as the options, and says which variable is wrong', () => {
    vi.stubEnv('VAULT_ADDR', 'https://vault.example:8200/v1');
    expect(error(() => new VaultKubernetesClient({ auth: { role: 'a' } })).message).toMatch(
      /VAULT_ADDR ends in \/v1.*write 'https:\/\/vault.example:8200'/,
    );
    vi.stubEnv('VAULT_ADDR', 'https://vault.example:8200');
    vi.stubEnv('VAULT_NAMESPACE', 'team-a\nX: 1');
    expect(error(() => new VaultKubernetesClient({ auth: { role: 'a' } })).message).toMatch(
      /VAULT_NAMESPACE contains a line break/,
    );
    vi.stubEnv('VAULT_NAMESPACE', '/admin/team-a/');
    expect(JSON.stringify(new VaultKubernetesClient({ auth: { role: 'a' }, logLevel: 'silent' }))).toContain(
      '"namespace":"admin/team-a"',
    );
  });

  it('every optional option accepts undefined as not set', () => {
    vi.stubEnv('VAULT_ADDR', 'https://vault.example:8200');
    expect(
      () =>
        new VaultKubernetesClient({
          address: undefined,
          namespace: undefined,
          auth: { role: 'a', mount: undefined, tokenPath: undefined, jwt: undefined },
          tls: { caCert: undefined, skipVerify: undefined },
          timeouts: { requestMs: undefined, totalMs: undefined },
          retry: undefined,
          token: { loginBackoff: undefined },
          secrets: { drainMs: undefined, backoff: { minMs: undefined } },
          logger: undefined,
          logLevel: undefined,
          clock: undefined,
          fetch: undefined,
          telemetry: undefined,
        }),
    ).not.toThrow();
  });
});
