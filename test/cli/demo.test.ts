import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo';

describe('npm run demo', () => {
  it('introduces Vault in about 40 lines: setup, the client, simulated hours summarised, a clean close', async () => {
    let out = '';
    expect(await runDemo((text) => (out += text))).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(lines.length).toBeLessThanOrEqual(45);
    // Each Vault term is explained where it first appears, before it is used.
    for (const term of ['Kubernetes auth method:', 'Policy:', 'Role:', 'TTL', 'max TTL', 'KV v2:', 'lease']) {
      expect(out).toContain(term);
    }
    expect(out.indexOf('Policy:')).toBeLessThan(out.indexOf('vault policy write'));
    expect(out.indexOf('lease:')).toBeLessThan(out.indexOf("watch('database/creds/app')"));
    // No unnamed references: the demo speaks for itself.
    expect(out).not.toMatch(/\barticle\b/i);
    expect(out).toMatch(/start\(\): logged in .*\(TTL 1h, policies default, myapp-policy\)/);
    expect(out).toMatch(/VaultPermissionDeniedError, the policy does not list it/);
    expect(out).toMatch(/billing-sa: VaultLoginError, service account name not authorized/);
    // Renewals are summarised in counts, not one line each.
    expect(out).toMatch(/Vault token: renewed (\d+) times/);
    expect(Number(/Vault token: renewed (\d+) times/.exec(out)![1])).toBeGreaterThan(20);
    expect(out).toMatch(/logged in again before then: \+2[23]h\d\dm \(max-ttl\)/);
    expect(Number(/Database lease: renewed (\d+) times/.exec(out)![1])).toBeGreaterThan(10);
    expect(out).toMatch(/handed it to watch\(\): \+3h\d\dm, /);
    expect(out).toContain('Uses of a dead user: 0.');
    expect(out).toContain('tokens left: 0, leases left: 0, live database users: 0');
    expect(out).not.toMatch(/error: phase/);
  });
});
