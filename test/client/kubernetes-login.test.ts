import { writeFile } from 'node:fs/promises';
import { type ServiceAccountTokenError, VaultLoginError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, rejection } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('Kubernetes login diagnostics', () => {
  it('a refused login names the role, the mount, who the JWT claims to be, and what to change', async () => {
    h = await createHarness();
    const cases: [Record<string, unknown>, string | RegExp, RegExp][] = [
      [
        { serviceAccount: 'billing-sa' },
        'service account name not authorized',
        /service account "billing-sa" in namespace "default".*Add "billing-sa" to bound_service_account_names/,
      ],
      [
        { namespace: 'prod', serviceAccount: 'myapp-sa' },
        'namespace not authorized',
        /Add "prod" to bound_service_account_namespaces/,
      ],
    ];
    for (const [claims, reason, hint] of cases) {
      const jwt = await h.mock.cluster.mintToken({ namespace: 'default', ...claims });
      const client = h.client({ auth: { role: 'myapp-role', jwt } });
      const e = (await rejection(client.start(), h.errors)) as VaultLoginError;
      expect(e).toBeInstanceOf(VaultLoginError);
      expect(e.reason).toBe(reason);
      expect(e.role).toBe('myapp-role');
      expect(e.mount).toBe('kubernetes');
      expect(e.status).toBe(403);
      expect(e.message).toMatch(hint);
      expect(e.message).toContain('role "myapp-role" at auth/kubernetes');
    }
    const wrongRole = h.client({ auth: { role: 'no-such-role', tokenPath: h.tokenPath } });
    const e = (await rejection(wrongRole.start(), h.errors)) as VaultLoginError;
    expect(e.reason).toBe('invalid role name "no-such-role"');
    expect(e.message).toMatch(/No role "no-such-role" exists/);
    const wrongMount = h.client({ auth: { role: 'myapp-role', mount: 'k8s-east', tokenPath: h.tokenPath } });
    expect(((await rejection(wrongMount.start(), h.errors)) as VaultLoginError).message).toMatch(
      /no auth method is mounted at auth\/k8s-east: check auth.mount/,
    );
    await h.mock.write('auth/kubernetes/role/myapp-role', { audience: 'vault' });
    const audience = (await rejection(h.client().start(), h.errors)) as VaultLoginError;
    expect(audience.reason).toMatch(/invalid audience/);
    expect(audience.claims?.audience).toEqual(['https://kubernetes.default.svc.cluster.local']);
  });

  it('an absent, empty, malformed or expired service-account token fails before Vault is asked, saying which', async () => {
    h = await createHarness();
    const missing = (await rejection(
      h.client({ auth: { role: 'myapp-role', tokenPath: '/nonexistent/token' } }).start(),
      h.errors,
    )) as ServiceAccountTokenError;
    expect([missing.code, missing.problem]).toEqual(['ERR_SA_TOKEN_MISSING', 'missing']);
    await writeFile(h.tokenPath, '  \n');
    const empty = (await rejection(h.client().start(), h.errors)) as ServiceAccountTokenError;
    expect(empty.code).toBe('ERR_SA_TOKEN_EMPTY');
    await writeFile(h.tokenPath, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const malformed = (await rejection(h.client().start(), h.errors)) as ServiceAccountTokenError;
    expect(malformed.code).toBe('ERR_SA_TOKEN_MALFORMED');
    expect(malformed.message).toMatch(/does not hold a JWT/);
    await writeFile(
      h.tokenPath,
      await h.mock.cluster.mintToken({ serviceAccount: 'myapp-sa', issuedAtOffset: -7200, expiresIn: 3600 }),
    );
    const expired = (await rejection(h.client().start(), h.errors)) as ServiceAccountTokenError;
    expect(expired.code).toBe('ERR_SA_TOKEN_EXPIRED');
    expect(expired.message).toMatch(/expired at .* for default\/myapp-sa/);
    const jwtFn = (await rejection(
      h
        .client({
          auth: {
            role: 'myapp-role',
            jwt: async () => {
              throw new Error('vault-agent socket gone');
            },
          },
        })
        .start(),
      h.errors,
    )) as ServiceAccountTokenError;
    expect(jwtFn.code).toBe('ERR_SA_TOKEN_UNREADABLE');
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(0);
  });

  it('one login at a time: concurrent callers share it', async () => {
    h = await createHarness();
    const client = h.client();
    await Promise.all(Array.from({ length: 50 }, () => client.read('secret/data/myapp/config')));
    expect(h.mock.audit.count({ path: 'auth/kubernetes/login' })).toBe(1);
    expect(h.events.filter((e) => e.name === 'auth:login')).toHaveLength(1);
  });

  it('a JWT from a function is asked for at every login', async () => {
    h = await createHarness();
    let calls = 0;
    const client = h.client({
      auth: {
        role: 'myapp-role',
        jwt: () => {
          calls += 1;
          return h.mock.cluster.mintToken({ serviceAccount: 'myapp-sa' });
        },
      },
    });
    await client.start();
    h.mock.revokeToken(client.tokenInfo()!.accessor);
    await client.read('secret/data/myapp/config');
    expect(calls).toBe(2);
  });
});
