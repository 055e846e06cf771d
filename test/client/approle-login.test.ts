import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultKubernetesClient, VaultLoginError } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeError } from '../helpers/harness';

/**
 * `auth: { method: 'approle' }` end to end against the mock's AppRole method (Vault's builtin
 * approle backend): the secret id file re-read at every login, a used-up secret id diagnosed,
 * and a response-wrapped secret id unwrapped through sys/wrapping/unwrap.
 */
let mock: MockVault;
let dir: string;
const clients: VaultKubernetesClient[] = [];

beforeEach(async () => {
  mock = await startMockVault();
  dir = await mkdtemp(join(tmpdir(), 'approle-login-'));
  await mock.write('sys/policies/acl/myapp-policy', {
    policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
  });
  await mock.write('secret/data/myapp/config', { data: { username: 'app-user' } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

function client(auth: Record<string, unknown>): VaultKubernetesClient {
  const vault = new VaultKubernetesClient({
    address: mock.address,
    auth: { method: 'approle', ...auth } as never,
    clock: mock.clock,
    logLevel: 'silent',
  });
  clients.push(vault);
  return vault;
}

/** A new secret id for the role, as an operator (or a CI system) would hand out. */
async function newSecretId(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await mock.request('POST', 'auth/approle/role/myapp-role/secret-id', fields);
  return (res.body as { data: { secret_id: string } }).data.secret_id;
}

describe('AppRole login against the mock', () => {
  it('logs in with the role id and the secret id file, and reads secrets', async () => {
    const { roleId, secretId } = await mock.setupAppRole();
    const secretIdFile = join(dir, 'secret-id');
    await writeFile(secretIdFile, `${secretId}\n`);
    const vault = client({ roleId, secretIdFile });
    expect((await vault.secret('secret/data/myapp/config')).data).toEqual({ username: 'app-user' });
    expect(vault.tokenInfo()).toMatchObject({
      method: 'approle',
      policies: expect.arrayContaining(['myapp-policy']),
    });
  });

  it('a used-up secret id is diagnosed, and a new one in the file is picked up at the next login', async () => {
    const { roleId, secretId } = await mock.setupAppRole({ secretIdFields: { num_uses: 1 } });
    const secretIdFile = join(dir, 'secret-id');
    await writeFile(secretIdFile, secretId);
    const vault = client({ roleId, secretIdFile });
    await vault.start();
    // The token dies behind the client's back; the secret id was good for one login only.
    mock.revokeToken(vault.tokenInfo()!.accessor);
    const error = await vault.read('secret/data/myapp/config').catch((e: unknown) => e);
    expect(error, describeError(error)).toBeInstanceOf(VaultLoginError);
    expect((error as Error).message).toMatch(
      /Vault refused AppRole login at auth\/approle: invalid role or secret ID/,
    );
    expect((error as Error).message).toMatch(/used up \(secret_id_num_uses\)/);
    expect(describeError(error)).not.toContain(secretId);
    expect(describeError(error)).not.toContain(roleId);
    await writeFile(secretIdFile, await newSecretId());
    await mock.clock.advance(10 * 60_000);
    expect((await vault.read('secret/data/myapp/config')).data).toMatchObject({
      data: { username: 'app-user' },
    });
  });

  it('unwraps a response-wrapped secret id through sys/wrapping/unwrap', async () => {
    const { roleId } = await mock.setupAppRole();
    const wrapped = await fetch(`${mock.address}/v1/auth/approle/role/myapp-role/secret-id`, {
      method: 'POST',
      headers: { 'X-Vault-Token': mock.rootToken, 'X-Vault-Wrap-TTL': '5m' },
    });
    const { wrap_info } = (await wrapped.json()) as { wrap_info: { token: string } };
    const vault = client({ roleId, wrappedSecretId: wrap_info.token });
    expect((await vault.secret('secret/data/myapp/config')).data).toEqual({ username: 'app-user' });
    expect(mock.audit.count({ path: 'sys/wrapping/unwrap', status: 200 })).toBe(1);
    // The wrapping token is spent: a second client with it is told to wrap a new one.
    const spent = await client({ roleId, wrappedSecretId: wrap_info.token })
      .start()
      .catch((e: unknown) => e);
    expect(spent).toBeInstanceOf(VaultLoginError);
    expect((spent as Error).message).toMatch(/wrap a new secret id/);
  });
});
