import {
  InvalidRequestError,
  VaultBadRequestError,
  VaultConfigError,
  VaultKubernetesClient,
  VaultNotFoundError,
  VaultPermissionDeniedError,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { calls, type EngineFixture, engineFixture } from './fixture';

let f: EngineFixture;
afterEach(async () => {
  await f?.close();
});

// What an app writing its own KV v2 keys needs, and nothing more: the mock enforces it.
const KV2_POLICY = `
path "secret/data/app/*"     { capabilities = ["create", "read", "update", "patch", "delete"] }
path "secret/metadata/app/*" { capabilities = ["read", "update", "delete", "list"] }
path "secret/metadata/app"   { capabilities = ["list"] }
path "secret/delete/app/*"   { capabilities = ["update"] }
path "secret/undelete/app/*" { capabilities = ["update"] }
path "secret/destroy/app/*"  { capabilities = ["update"] }
path "kv1/app/*"             { capabilities = ["create", "read", "update", "delete", "list"] }
path "kv1/app"               { capabilities = ["list"] }
`;

const withKv1 = async (mock: EngineFixture['mock']) => {
  await mock.write('sys/mounts/kv1', { type: 'kv', options: { version: '1' } });
};

describe('vault.kv(mount): KV v2', () => {
  it('put, get (latest and a version), patch: the same paths and bodies as the vault CLI', async () => {
    f = await engineFixture(KV2_POLICY);
    const kv = f.vault.kv('secret', { version: 2 });
    const v1 = await kv.put('app/config', { url: 'https://a', flag: 'on' });
    expect(v1).toMatchObject({ version: 1, destroyed: false, deletionTime: '' });
    expect(v1!.createdTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    const v2 = await kv.put('app/config', { url: 'https://b', flag: 'on' });
    expect(v2!.version).toBe(2);

    const latest = await kv.get<{ url: string; flag: string }>('app/config');
    expect(latest.data).toEqual({ url: 'https://b', flag: 'on' });
    expect(latest.metadata?.version).toBe(2);
    expect((await kv.get('app/config', { version: 1 })).data).toEqual({ url: 'https://a', flag: 'on' });

    const patched = await kv.patch('app/config', { flag: null, extra: 'x' });
    expect(patched.version).toBe(3);
    expect((await kv.get('app/config')).data).toEqual({ url: 'https://b', extra: 'x' });
    // Chosen version: no detection request was made.
    expect(calls(f.mock, /^sys\//)).toEqual([]);
  });

  it('check-and-set: cas 0 creates only, a stale cas is refused with VaultBadRequestError', async () => {
    f = await engineFixture(KV2_POLICY);
    const kv = f.vault.kv('secret', { version: 2 });
    await kv.put('app/once', { a: '1' }, { cas: 0 });
    await expect(kv.put('app/once', { a: '2' }, { cas: 0 })).rejects.toBeInstanceOf(VaultBadRequestError);
    await expect(kv.put('app/once', { a: '2' }, { cas: 5 })).rejects.toThrow(/check-and-set/);
    expect((await kv.put('app/once', { a: '2' }, { cas: 1 }))!.version).toBe(2);
    await expect(kv.patch('app/once', { a: '3' }, { cas: 1 })).rejects.toBeInstanceOf(VaultBadRequestError);
  });

  it('metadata read/write and versions; delete, undelete, destroy; deleteMetadata', async () => {
    f = await engineFixture(KV2_POLICY);
    const kv = f.vault.kv('secret', { version: 2 });
    for (const n of [1, 2, 3]) await kv.put('app/hist', { n: String(n) });
    await kv.writeMetadata('app/hist', { maxVersions: 10, customMetadata: { owner: 'team-a' } });
    const meta = await kv.readMetadata('app/hist');
    expect(meta).toMatchObject({ currentVersion: 3, oldestVersion: 0, maxVersions: 10, casRequired: false });
    expect(meta.customMetadata).toEqual({ owner: 'team-a' });
    expect(meta.versions.map((v) => v.version)).toEqual([1, 2, 3]);

    await kv.delete('app/hist'); // the latest, softly
    await expect(kv.get('app/hist')).rejects.toBeInstanceOf(VaultNotFoundError);
    await kv.delete('app/hist', { versions: [1] });
    await kv.destroy('app/hist', [2]);
    let versions = await kv.versions('app/hist');
    expect(versions.map((v) => [v.version, v.deletionTime !== '', v.destroyed])).toEqual([
      [1, true, false],
      [2, false, true],
      [3, true, false],
    ]);
    await kv.undelete('app/hist', [1, 3]);
    expect((await kv.get('app/hist')).data).toEqual({ n: '3' });
    expect((await kv.get('app/hist', { version: 1 })).data).toEqual({ n: '1' });
    await expect(kv.get('app/hist', { version: 2 })).rejects.toBeInstanceOf(VaultNotFoundError);
    versions = await kv.versions('app/hist');
    expect(versions.every((v) => v.deletionTime === '' || v.version === 2)).toBe(true);

    await kv.deleteMetadata('app/hist');
    await expect(kv.readMetadata('app/hist')).rejects.toBeInstanceOf(VaultNotFoundError);
  });

  it('list: keys and folders under a path, [] for an empty folder', async () => {
    f = await engineFixture(KV2_POLICY);
    const kv = f.vault.kv('secret', { version: 2 });
    await kv.put('app/a', { x: '1' });
    await kv.put('app/sub/b', { x: '1' });
    expect((await kv.list('app')).sort()).toEqual(['a', 'sub/']);
    expect(await kv.list('app/nothing-here')).toEqual([]);
  });

  it('secret() and watch() are the managed forms of the key', async () => {
    f = await engineFixture(KV2_POLICY);
    const kv = f.vault.kv('secret', { version: 2 });
    await kv.put('app/config', { url: 'https://a' });
    const secret = await kv.secret('app/config');
    expect([secret.path, secret.version, secret.data]).toEqual([
      'secret/data/app/config',
      1,
      { url: 'https://a' },
    ]);
    const seen: unknown[] = [];
    const stop = await kv.watch('app/config', (s) => void seen.push(s.data));
    await stop.ready;
    stop();
    expect(seen).toEqual([{ url: 'https://a' }]);
  });

  it('refuses bad input before any request: an empty path, bad versions', async () => {
    f = await engineFixture(KV2_POLICY);
    const kv = f.vault.kv('secret', { version: 2 });
    await expect(kv.get('/')).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(kv.destroy('app/x', [])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(kv.undelete('app/x', [0])).rejects.toBeInstanceOf(InvalidRequestError);
    expect(() => f.vault.kv('')).toThrow(InvalidRequestError);
    expect(() => f.vault.kv('secret', { version: 3 as 2 })).toThrow(VaultConfigError);
    expect(calls(f.mock, /^secret\//)).toEqual([]);
  });

  it('errors are the client errors: a path outside the policy is VaultPermissionDeniedError', async () => {
    f = await engineFixture(KV2_POLICY);
    await expect(f.vault.kv('secret', { version: 2 }).get('billing/x')).rejects.toBeInstanceOf(
      VaultPermissionDeniedError,
    );
  });
});

describe('vault.kv(mount): KV v1 and version detection', () => {
  it('KV v1: get, put, delete, list at the plain paths; the version-only calls are refused', async () => {
    f = await engineFixture(KV2_POLICY, withKv1);
    const kv = f.vault.kv('kv1', { version: 1 });
    expect(await kv.put('app/one', { a: '1' })).toBeUndefined();
    expect(await kv.get('app/one')).toEqual({ data: { a: '1' }, metadata: undefined });
    expect(await kv.list('app')).toEqual(['one']);
    await kv.delete('app/one');
    await expect(kv.get('app/one')).rejects.toBeInstanceOf(VaultNotFoundError);
    await expect(kv.patch('app/one', { a: '2' })).rejects.toThrow(/KV version 1 mount/);
    await expect(kv.put('app/one', { a: '2' }, { cas: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(kv.get('app/one', { version: 1 })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(calls(f.mock, /^kv1\//).every((c) => !c.includes('/data/'))).toBe(true);
  });

  it('detects v1 and v2 from the mount once per client and mount, then uses the right paths', async () => {
    f = await engineFixture(KV2_POLICY, withKv1);
    expect(await f.vault.kv('secret').version()).toBe(2);
    expect(await f.vault.kv('kv1').version()).toBe(1);
    await f.vault.kv('secret').put('app/x', { a: '1' });
    await f.vault.kv('kv1').put('app/x', { a: '1' });
    expect((await f.vault.kv('secret').get('app/x')).metadata?.version).toBe(1);
    expect((await f.vault.kv('kv1').get('app/x')).metadata).toBeUndefined();
    // One detection per mount, from sys/internal/ui/mounts: the app's policy has no sys/mounts access.
    expect(calls(f.mock, /^sys\//)).toEqual([
      'GET sys/internal/ui/mounts/secret 200',
      'GET sys/internal/ui/mounts/kv1 200',
    ]);
  });

  it('without a readable mount description, says to choose the version; a mount of another engine is refused', async () => {
    // A token with nothing on the secret mount: both detection paths answer 403.
    f = await engineFixture('path "other/app/*" { capabilities = ["read"] }', async (mock) => {
      await mock.write('sys/mounts/transit', { type: 'transit' });
    });
    const error = await f.vault
      .kv('secret')
      .get('app/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultConfigError);
    expect((error as Error).message).toContain(`vault.kv('secret', { version: 2 })`);
    expect(calls(f.mock, /^sys\//)).toEqual([
      'GET sys/internal/ui/mounts/secret 403',
      'GET sys/mounts/secret 403',
    ]);
    // A root-token client reads sys/mounts: a transit mount is not a KV mount.
    const root = new VaultKubernetesClient({
      address: f.mock.address,
      auth: { method: 'token', token: f.mock.rootToken },
      clock: f.mock.clock,
      logLevel: 'silent',
    });
    try {
      await expect(root.kv('transit').version()).rejects.toThrow(/is a transit mount, not a key\/value one/);
    } finally {
      await root.close();
    }
  });
});
