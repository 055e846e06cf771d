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
    ).toMatch(/option 'address': expected an http\(s\) URL/);
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

  it('without auth, VAULT_TOKEN is used; with neither, the error says what to pass', () => {
    vi.stubEnv('VAULT_TOKEN', '');
    expect(error(() => new VaultKubernetesClient({ address: 'https://v' })).message).toMatch(
      /auth: \{ role: 'my-role' \}/,
    );
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
});
