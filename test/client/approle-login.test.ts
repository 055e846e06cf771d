import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClientOptions, VaultKubernetesClient, VaultLoginError } from 'vault-kubernetes-client';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeError } from '../helpers/harness';

/**
 * `auth: { method: 'approle' }` end to end against the mock's AppRole method, which behaves as
 * Vault's builtin/credential/approle: secret IDs spent by logins, read anew from their file at
 * every login, response-wrapped ones unwrapped once, and refusals typed without the secret.
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

type AppRoleOptions = Extract<NonNullable<ClientOptions['auth']>, { method: 'approle' }>;

function client(auth: Omit<AppRoleOptions, 'method'>) {
  const vault = new VaultKubernetesClient({
    address: mock.address,
    auth: { method: 'approle', ...auth },
    clock: mock.clock,
    logLevel: 'silent',
  });
  clients.push(vault);
  return vault;
}

const loginFailure = async (promise: Promise<unknown>): Promise<VaultLoginError> => {
  const error = await promise.catch((e: unknown) => e);
  expect(error, describeError(error)).toBeInstanceOf(VaultLoginError);
  return error as VaultLoginError;
};

/** Vault takes the client's token away: the next call must log in again. */
const revokeCurrentToken = (vault: VaultKubernetesClient) =>
  mock.request('POST', 'auth/token/revoke-accessor', { accessor: vault.tokenInfo()!.accessor });

describe('AppRole login against the mock', () => {
  it('logs in with a role id and secret id and reads secrets', async () => {
    const creds = await mock.setupAppRole();
    const vault = client({ roleId: creds.roleId, secretId: creds.secretId });
    expect((await vault.secret('secret/data/myapp/config')).data).toEqual({ username: 'app-user' });
    expect(vault.tokenInfo()).toMatchObject({
      method: 'approle',
      policies: expect.arrayContaining(['myapp-policy']),
    });
    expect(mock.audit.count({ path: 'auth/approle/login', status: 200 })).toBe(1);
  });

  it('re-reads the secret id file at every login: a rotated secret id is the one sent', async () => {
    const creds = await mock.setupAppRole();
    const secretIdFile = join(dir, 'secret-id');
    await writeFile(secretIdFile, `${creds.secretId}\n`);
    const vault = client({ roleId: creds.roleId, secretIdFile });
    await vault.start();
    const first = vault.tokenInfo()!.accessor;

    // The operator rotates the secret id: the old one is destroyed, the file holds a new one.
    await mock.write('auth/approle/role/myapp-role/secret-id-accessor/destroy', {
      secret_id_accessor: creds.secretIdAccessor,
    });
    const next = (await mock.write('auth/approle/role/myapp-role/secret-id', {})).body as {
      data: { secret_id: string };
    };
    await writeFile(secretIdFile, next.data.secret_id);
    await revokeCurrentToken(vault);

    expect((await vault.read('secret/data/myapp/config')).data).toMatchObject({
      data: { username: 'app-user' },
    });
    expect(vault.tokenInfo()!.accessor).not.toBe(first);
  });

  it('unwraps a response-wrapped secret id once, and logs in again with what it unwrapped', async () => {
    await mock.setupAppRole();
    const wrapped = await fetch(`${mock.address}/v1/auth/approle/role/myapp-role/secret-id`, {
      method: 'POST',
      headers: { 'X-Vault-Token': mock.rootToken, 'X-Vault-Wrap-TTL': '5m' },
    });
    const wrappingToken = ((await wrapped.json()) as { wrap_info: { token: string } }).wrap_info.token;
    const roleId = (
      (await mock.read('auth/approle/role/myapp-role/role-id')).body as { data: { role_id: string } }
    ).data.role_id;

    const vault = client({ roleId, wrappedSecretId: wrappingToken });
    await vault.start();
    expect(mock.audit.count({ path: 'sys/wrapping/unwrap', status: 200 })).toBe(1);
    await revokeCurrentToken(vault);
    expect((await vault.read('secret/data/myapp/config')).data).toMatchObject({
      data: { username: 'app-user' },
    });
    // The second login reused the unwrapped secret id: the wrapping token was spent only once.
    expect(mock.audit.count({ path: 'sys/wrapping/unwrap' })).toBe(1);

    // Anyone else holding the same wrapping token finds it spent: Vault's words, and what to do.
    const e = await loginFailure(client({ roleId, wrappedSecretId: wrappingToken }).start());
    expect(e).toMatchObject({ method: 'approle', status: 400 });
    expect(e.message).toMatch(/wrapping token is not valid or does not exist/);
    expect(e.message).not.toContain(wrappingToken);
  });

  it('a wrong secret id is a typed refusal that never repeats the secret id', async () => {
    const creds = await mock.setupAppRole();
    const wrong = `${creds.secretId.slice(0, -4)}beef`;
    const e = await loginFailure(client({ roleId: creds.roleId, secretId: wrong }).start());
    expect(e).toMatchObject({
      method: 'approle',
      mount: 'approle',
      status: 400,
      reason: 'invalid role or secret ID',
    });
    for (const text of [e.message, JSON.stringify(e), String(e.stack)]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(creds.secretId);
    }
  });

  it('a secret id with one use logs in once; the re-login after it is refused, typed', async () => {
    const creds = await mock.setupAppRole({ roleFields: { secret_id_num_uses: 1 } });
    const vault = client({ roleId: creds.roleId, secretId: creds.secretId });
    await vault.start();
    await revokeCurrentToken(vault);
    const e = await loginFailure(vault.read('secret/data/myapp/config'));
    expect(e.reason).toBe('invalid role or secret ID');
    // The client's diagnosis names the likely cause, never the credentials.
    expect(e.message).toMatch(/used up \(secret_id_num_uses\)/);
    expect(describeError(e)).not.toContain(creds.secretId);
    expect(mock.audit.count({ path: 'auth/approle/login' })).toBe(2);
  });

  it('a role bound to other addresses refuses the client, naming the address Vault saw', async () => {
    const creds = await mock.setupAppRole({ roleFields: { secret_id_bound_cidrs: '10.0.0.0/8' } });
    const e = await loginFailure(client({ roleId: creds.roleId, secretId: creds.secretId }).start());
    expect(e.reason).toBe(
      'source address "127.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
    );
  });

  it('after five wrong secret ids the role id is locked out, the right secret id included', async () => {
    const creds = await mock.setupAppRole();
    for (let i = 0; i < 5; i++)
      await loginFailure(client({ roleId: creds.roleId, secretId: `wrong-${i}` }).start());
    const e = await loginFailure(client({ roleId: creds.roleId, secretId: creds.secretId }).start());
    expect(e).toMatchObject({ status: 403, reason: 'permission denied' });
  });
});
