import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { doctor } from './support';

let mock: MockVault | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('vault-kubernetes-client doctor (the process)', () => {
  it('--json prints exactly { ok, checks } on stdout and exits 1 when a check fails, 0 when all pass', async () => {
    mock = await startMockVault();
    await mock.setupKubernetesAuth({ serviceAccount: 'myapp-sa' });
    const tokenPath = await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'other-sa' });
    const env = { VAULT_ADDR: mock.address };
    const refused = await doctor(['--role', 'myapp-role', '--token-path', tokenPath, '--json'], env);
    expect(refused.code).toBe(1);
    const parsed = JSON.parse(refused.stdout) as { ok: boolean; checks: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['ok', 'checks']);
    expect(parsed.ok).toBe(false);
    for (const c of parsed.checks) {
      expect(Object.keys(c).every((k) => ['id', 'ok', 'summary', 'fix'].includes(k))).toBe(true);
      expect(typeof c.id === 'string' && typeof c.ok === 'boolean' && typeof c.summary === 'string').toBe(
        true,
      );
      if (!c.ok) expect(typeof c.fix).toBe('string');
    }
    expect(parsed.checks.find((c) => c.id === 'login')?.summary).toMatch(/do not include "other-sa"/);

    await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'myapp-sa', path: tokenPath });
    const fine = await doctor(['--role', 'myapp-role', '--token-path', tokenPath], env);
    expect(fine.stdout).toMatch(/^vault-kubernetes-client doctor\n/);
    expect(fine.stdout).toMatch(/PASS {2}login +logged in with role "myapp-role"/);
    expect(fine.stdout).toMatch(/All \d+ checks passed\.\n$/);
    expect(fine.code).toBe(0);
  });

  it('a usage error exits 2 with the reason on stderr and nothing on stdout', async () => {
    const result = await doctor(['--rol', 'x'], { VAULT_ADDR: 'http://127.0.0.1:1' });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    // The CLI's own usage-error form: the command, the reason, and where to look.
    expect(result.stderr).toBe(
      'vault-kubernetes-client doctor: unknown option --rol\nRun "vault-kubernetes-client doctor --help" for its options.\n',
    );
  });
});
