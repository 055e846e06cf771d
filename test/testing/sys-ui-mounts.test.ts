import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, expectErrors, writePolicy } from './support/vault';

/*
 * sys/internal/ui/mounts/<path> as hashicorp/vault vault/logical_system.go answers it
 * (pathInternalUIMountRead, hasMountAccess): unauthenticated in routing (PathsSpecial), the
 * handler checks the token; a token with any capability on the mount or below it sees the mount.
 */

let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
});
afterEach(async () => {
  await mock.close();
});

const preflight = (path: string) =>
  `preflight capability check returned 403, please ensure client's policies grant access to path "${path}"`;

async function tokenWith(policy: string): Promise<string> {
  await writePolicy(mock, 'p', policy);
  return createToken(mock, ['p']);
}

describe('sys/internal/ui/mounts/<path>', () => {
  it('gives the mount’s type and options to a token that can use something under the mount', async () => {
    const token = await tokenWith('path "secret/data/app/*" { capabilities = ["read"] }');
    const res = await call(mock, 'GET', 'sys/internal/ui/mounts/secret/data/app/config', undefined, {
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ type: 'kv', options: { version: '2' }, path: 'secret/' });
    expect(Object.keys(res.body.data).sort()).toEqual([
      'accessor',
      'config',
      'description',
      'external_entropy_access',
      'local',
      'options',
      'path',
      'plugin_version',
      'running_plugin_version',
      'seal_wrap',
      'type',
      'uuid',
    ]);
    // The same token is refused sys/mounts/secret: this path is the one it can read.
    expect((await call(mock, 'GET', 'sys/mounts/secret', undefined, { token })).status).toBe(403);
    const root = await call(mock, 'GET', 'sys/internal/ui/mounts/kv1');
    expect(root.body.data).toMatchObject({ type: 'kv', options: { version: '1' }, path: 'kv1/' });
  });

  it('refuses alike a mount the token cannot use and a mount that does not exist', async () => {
    const token = await tokenWith('path "kv1/app/*" { capabilities = ["read"] }');
    const refused = await call(mock, 'GET', 'sys/internal/ui/mounts/secret', undefined, { token });
    expectErrors(refused, 403, [preflight('secret/')]);
    const missing = await call(mock, 'GET', 'sys/internal/ui/mounts/nothing-here', undefined, { token });
    expectErrors(missing, 403, [preflight('nothing-here/')]);
    expect((await call(mock, 'GET', 'sys/internal/ui/mounts/kv1', undefined, { token })).status).toBe(200);
  });

  it('a deny under the mount grants nothing; no token or an unknown one is a bare permission denied', async () => {
    const token = await tokenWith('path "secret/*" { capabilities = ["deny"] }');
    expectErrors(await call(mock, 'GET', 'sys/internal/ui/mounts/secret', undefined, { token }), 403, [
      preflight('secret/'),
    ]);
    expectErrors(await call(mock, 'GET', 'sys/internal/ui/mounts/secret', undefined, { token: null }), 403, [
      'permission denied',
    ]);
    const unknown = await call(mock, 'GET', 'sys/internal/ui/mounts/secret', undefined, {
      token: 'hvs.nope',
    });
    expectErrors(unknown, 403, ['permission denied']);
  });
});
