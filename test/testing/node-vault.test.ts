import nodeVault from 'node-vault';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DENIED, setupDatabase, writePolicy } from './support/vault';

/**
 * node-vault 0.12.0, a client nobody here wrote, against the mock: if the mock's wire format
 * drifted from Vault's, its response schemas and status handling would notice.
 */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await writePolicy(
    mock,
    'myapp-policy',
    [
      'path "secret/data/myapp/*" { capabilities = ["create", "read", "update"] }',
      'path "secret/metadata/myapp/*" { capabilities = ["list"] }',
      'path "database/creds/app" { capabilities = ["read"] }',
    ].join('\n'),
  );
  await mock.setupKubernetesAuth({ role: 'myapp-role', serviceAccount: 'myapp-sa', namespace: 'default' });
  await mock.write('secret/data/myapp/config', { data: { username: 'appuser', password: 's3cr3t' } });
  await setupDatabase(mock, 'app', { default_ttl: '1h', max_ttl: '24h' });
});
afterEach(async () => {
  await mock.close();
});

async function loggedIn() {
  const vault = nodeVault({ endpoint: mock.address, apiVersion: 'v1' });
  const jwt = await mock.cluster.mintToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
  const login = await vault.kubernetesLogin({ role: 'myapp-role', jwt, mount_point: 'kubernetes' });
  return { vault, login };
}

describe('node-vault 0.12.0 against the mock', () => {
  it('logs in with kubernetesLogin and keeps the token for later calls', async () => {
    const { vault, login } = await loggedIn();
    expect(login.auth.client_token).toMatch(/^hvs\./);
    expect(login.auth.policies).toEqual(['default', 'myapp-policy']);
    expect(login.auth.lease_duration).toBe(86400);
    expect(vault.token).toBe(login.auth.client_token);
    const self = await vault.tokenLookupSelf();
    expect(self.data.path).toBe('auth/kubernetes/login');
  });

  it('reads, writes and lists KV v2', async () => {
    const { vault } = await loggedIn();
    const read = await vault.read('secret/data/myapp/config');
    expect(read.data.data).toEqual({ username: 'appuser', password: 's3cr3t' });
    expect(read.data.metadata.version).toBe(1);
    const written = await vault.write('secret/data/myapp/config', {
      data: { username: 'appuser', password: 'rotated' },
    });
    expect(written.data.version).toBe(2);
    expect((await vault.read('secret/data/myapp/config')).data.data.password).toBe('rotated');
    const listed = await vault.list('secret/metadata/myapp');
    expect(listed.data.keys).toEqual(['config']);
  });

  it('surfaces Vault’s errors through its ApiResponseError', async () => {
    const { vault } = await loggedIn();
    const refused = await vault.read('secret/data/other').catch((error: unknown) => error);
    expect(refused).toMatchObject({ message: DENIED, response: { statusCode: 403 } });
    const missing = await vault.read('secret/data/myapp/none').catch((error: unknown) => error);
    expect(missing).toMatchObject({ message: 'Status 404', response: { statusCode: 404 } });
    const badLogin = await nodeVault({ endpoint: mock.address })
      .kubernetesLogin({ role: 'nope', jwt: 'x', mount_point: 'kubernetes' })
      .catch((error: unknown) => error);
    expect(badLogin).toMatchObject({ message: 'invalid role name "nope"', response: { statusCode: 400 } });
  });

  it('generates database credentials and renews their lease', async () => {
    const { vault } = await loggedIn();
    const creds = await vault.generateDatabaseCredentials({ databasePath: 'database', name: 'app' });
    expect(creds.lease_id).toMatch(/^database\/creds\/app\//);
    expect(creds).toMatchObject({ renewable: true, lease_duration: 3600 });
    expect(typeof creds.data.username).toBe('string');
    expect(typeof creds.data.password).toBe('string');
    const again = await vault.generateDatabaseCredentials({ databasePath: 'database', name: 'app' });
    expect(again.data.username).not.toBe(creds.data.username);

    await mock.clock.advance(30 * 60_000);
    const renewed = await vault.renew({ lease_id: creds.lease_id, increment: 600 });
    expect(renewed).toMatchObject({ lease_id: creds.lease_id, renewable: true, lease_duration: 600 });
    expect(mock.leases({ path: 'database/creds/app' })).toHaveLength(2);
  });

  it('renews and revokes its own token', async () => {
    const { vault, login } = await loggedIn();
    const renewed = await vault.tokenRenewSelf({ increment: '1h' });
    expect(renewed.auth).toMatchObject({ client_token: login.auth.client_token, lease_duration: 3600 });
    await vault.tokenRevokeSelf();
    const after = await vault.tokenLookupSelf().catch((error: unknown) => error);
    expect(after).toMatchObject({ response: { statusCode: 403 } });
  });

  it('reads health without treating a sealed Vault as an error', async () => {
    const vault = nodeVault({ endpoint: mock.address });
    expect(await vault.health()).toMatchObject({ initialized: true, sealed: false });
    mock.seal();
    expect(await vault.health()).toMatchObject({ sealed: true });
  });
});
