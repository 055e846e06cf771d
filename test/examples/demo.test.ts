import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo';

describe('npm run demo', () => {
  it('walks through the article, the client, rotations and a clean close with zero leases left', async () => {
    let out = '';
    expect(await runDemo({}, (text) => (out += text))).toBe(0);
    expect(out).toMatch(/auth:login {4}reason=initial/);
    expect(out).toMatch(/auth:renewed/);
    expect(out).toMatch(/lease:renewed database\/creds\/app .*capped by max_ttl/);
    expect(out).toMatch(/secret:rotated database\/creds\/app reason=max-ttl/);
    expect(out).toMatch(/auth:login {4}reason=max-ttl/);
    expect(out).toMatch(/VaultPermissionDeniedError .*permission denied/);
    expect(out).toMatch(/VaultLoginError: .*service account name not authorized/);
    expect(out).toMatch(/leases left in Vault: 0; live database users: 0/);
    expect(out).not.toMatch(/error {9}phase=/);
  });
});
