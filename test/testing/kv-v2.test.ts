import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, DENIED, expectShape } from './support/vault';

let mock: MockVault;

beforeEach(async () => {
  mock = await startMockVault();
});

afterEach(async () => {
  await mock.close();
});

/** Over real HTTP, as any client reaches Vault. */
const api = (
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | undefined; contentType?: string } = {},
) => call(mock, method, path, body, options);

const put = (path: string, body: unknown, token?: string) => api('POST', path, body, { token });
const get = (path: string, token?: string) => api('GET', path, undefined, { token });
const patch = (path: string, body: unknown) =>
  api('PATCH', path, body, { contentType: 'application/merge-patch+json' });

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const WRONG_PATH =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.";

describe('fixtures (vault-fixtures.json kv_v2_*)', () => {
  const versionMeta = {
    created_time: '2018-03-22T02:36:43.986212308Z',
    custom_metadata: { owner: 'jdoe', mission_critical: 'false' },
    deletion_time: '',
    destroyed: false,
    version: 1,
  };

  it('kv_v2_write: POST with cas 0 answers the version metadata', async () => {
    await put('secret/metadata/my-secret', { custom_metadata: { owner: 'jdoe', mission_critical: 'false' } });
    const res = await put('secret/data/my-secret', { options: { cas: 0 }, data: { foo: 'bar', zip: 'zap' } });
    expect(res.status).toBe(200);
    expectShape(res.body, { data: versionMeta });
    expect(res.body.data).toMatchObject({ version: 1, deletion_time: '', destroyed: false });
    expect(res.body.data.custom_metadata).toEqual({ owner: 'jdoe', mission_critical: 'false' });
    expect(res.body.data.created_time).toMatch(RFC3339);
  });

  it('kv_v2_read: GET ?version=2', async () => {
    await put('secret/metadata/my-secret', { custom_metadata: { owner: 'jdoe', mission_critical: 'false' } });
    await put('secret/data/my-secret', { data: { foo: 'old' } });
    await put('secret/data/my-secret', { data: { foo: 'bar' } });
    await put('secret/data/my-secret', { data: { foo: 'newer' } });
    const res = await get('secret/data/my-secret?version=2');
    expect(res.status).toBe(200);
    expectShape(res.body, { data: { data: { foo: 'bar' }, metadata: { ...versionMeta, version: 2 } } });
    expect(res.body.data.data).toEqual({ foo: 'bar' });
    expect(res.body.data.metadata.version).toBe(2);
    expect(res.body).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0 });
  });

  it('kv_v2_read_not_found', async () => {
    const res = await get('secret/data/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ errors: [] });
  });

  it('kv_v2_wrong_path_shape', async () => {
    const res = await get('secret/my-secret');
    expect(res.status).toBe(404);
    expectShape(res.body, {
      request_id: 'c0ffee00-0000-0000-0000-000000000000',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      warnings: [WRONG_PATH],
      auth: null,
    });
    expect(res.body.warnings).toEqual([WRONG_PATH]);
  });
});

describe('data', () => {
  it('keeps versions and reads any of them', async () => {
    for (const n of [1, 2, 3]) {
      const res = await put('secret/data/app', { data: { n } });
      expect(res.body.data.version).toBe(n);
    }
    expect((await get('secret/data/app')).body.data).toMatchObject({
      data: { n: 3 },
      metadata: { version: 3 },
    });
    expect((await get('secret/data/app?version=1')).body.data.data).toEqual({ n: 1 });
    expect((await get('secret/data/app?version=0')).body.data.metadata.version).toBe(3);
    const missing = await get('secret/data/app?version=9');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: [] });
  });

  it('refuses a write without data', async () => {
    const res = await put('secret/data/app', { options: {} });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: ['no data provided'] });
  });

  it('enforces check-and-set', async () => {
    expect((await put('secret/data/app', { options: { cas: 0 }, data: { a: 1 } })).status).toBe(200);
    const again = await put('secret/data/app', { options: { cas: 0 }, data: { a: 2 } });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errors: ['check-and-set parameter did not match the current version'] });
    expect((await put('secret/data/app', { options: { cas: 1 }, data: { a: 2 } })).body.data.version).toBe(2);
    const parse = await put('secret/data/app', { options: { cas: 'two' }, data: { a: 3 } });
    expect(parse.status).toBe(400);
    expect(parse.body).toEqual({ errors: ['error parsing check-and-set parameter'] });
    expect((await put('secret/data/app', { options: { cas: '2' }, data: { a: 3 } })).body.data.version).toBe(
      3,
    );
  });

  it('requires cas when the mount config or the key says so', async () => {
    await put('secret/config', { cas_required: true });
    const required = await put('secret/data/app', { data: { a: 1 } });
    expect(required.status).toBe(400);
    expect(required.body).toEqual({ errors: ['check-and-set parameter required for this call'] });
    expect((await put('secret/data/app', { options: { cas: 0 }, data: { a: 1 } })).status).toBe(200);

    await put('secret/config', { cas_required: false });
    const relaxed = await put('secret/metadata/other', { cas_required: false });
    expect(relaxed.status).toBe(204);
    await put('secret/metadata/other', { cas_required: true });
    const byKey = await put('secret/data/other', { data: { a: 1 } });
    expect(byKey.body).toEqual({ errors: ['check-and-set parameter required for this call'] });
    expect((await put('secret/data/app', { data: { a: 2 } })).status).toBe(200);
  });

  it('warns when a key turns cas_required off against the mount config', async () => {
    await put('secret/config', { cas_required: true });
    const res = await put('secret/metadata/app', { cas_required: false });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([
      '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
    ]);
  });

  it('patches the current version as a JSON merge patch', async () => {
    await put('secret/data/app', { data: { keep: 'k', drop: 'd', nested: { a: 1, b: 2 }, list: [1, 2] } });
    const res = await patch('secret/data/app', {
      data: { drop: null, nested: { b: null, c: 3 }, list: [3], added: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.version).toBe(2);
    expect((await get('secret/data/app')).body.data.data).toEqual({
      keep: 'k',
      nested: { a: 1, c: 3 },
      list: [3],
      added: true,
    });
    const cas = await patch('secret/data/app', { options: { cas: 1 }, data: { x: 1 } });
    expect(cas.body).toEqual({ errors: ['check-and-set parameter did not match the current version'] });
    expect((await patch('secret/data/app', { options: { cas: 2 }, data: { x: 1 } })).body.data.version).toBe(
      3,
    );
  });

  it('answers a patch of a missing or deleted key with 404', async () => {
    const missing = await patch('secret/data/nothing', { data: { a: 1 } });
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    await put('secret/data/app', { data: { a: 1 } });
    await api('DELETE', 'secret/data/app');
    const deleted = await patch('secret/data/app', { data: { a: 2 } });
    expect(deleted.status).toBe(404);
    expect(deleted.body.data).toMatchObject({ version: 1, destroyed: false });
    expect(deleted.body.data.deletion_time).toMatch(RFC3339);
    const noData = await patch('secret/data/app', { options: {} });
    expect(noData.body).toEqual({ errors: ['no data provided'] });
  });

  it('needs the merge-patch content type for PATCH', async () => {
    await put('secret/data/app', { data: { a: 1 } });
    const res = await api('PATCH', 'secret/data/app', { data: { a: 2 } });
    expect(res.status).toBe(415);
  });

  it('reads soft-deleted and destroyed versions as 404 with the metadata', async () => {
    await put('secret/data/app', { data: { v: 1 } });
    await put('secret/data/app', { data: { v: 2 } });
    const del = await api('DELETE', 'secret/data/app');
    expect(del.status).toBe(204);
    const latest = await get('secret/data/app');
    expect(latest.status).toBe(404);
    expect(latest.body).toMatchObject({
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      wrap_info: null,
      auth: null,
    });
    expect(latest.body.request_id).toEqual(expect.any(String));
    expect(latest.body.data.data).toBeNull();
    expect(latest.body.data.metadata).toMatchObject({ version: 2, destroyed: false });
    expect(latest.body.data.metadata.deletion_time).toMatch(RFC3339);
    expect((await get('secret/data/app?version=1')).body.data.data).toEqual({ v: 1 });

    expect((await put('secret/undelete/app', { versions: [2] })).status).toBe(204);
    expect((await get('secret/data/app')).body.data).toMatchObject({
      data: { v: 2 },
      metadata: { deletion_time: '' },
    });

    expect((await put('secret/delete/app', { versions: [1] })).status).toBe(204);
    expect((await get('secret/data/app?version=1')).status).toBe(404);

    expect((await api('PUT', 'secret/destroy/app', { versions: [1, 2] })).status).toBe(204);
    const destroyed = await get('secret/data/app');
    expect(destroyed.status).toBe(404);
    expect(destroyed.body.data).toMatchObject({
      data: null,
      metadata: { destroyed: true, deletion_time: '' },
    });
    await put('secret/undelete/app', { versions: '1,2' });
    expect((await get('secret/data/app?version=1')).body.data.metadata).toMatchObject({ destroyed: true });
    expect((await get('secret/data/app?version=1')).status).toBe(404);
  });

  it('refuses version operations without versions', async () => {
    await put('secret/data/app', { data: { v: 1 } });
    expect((await put('secret/delete/app', {})).body).toEqual({ errors: ['No version number provided'] });
    expect((await put('secret/undelete/app', { versions: [] })).body).toEqual({
      errors: ['No version number provided'],
    });
    const destroy = await put('secret/destroy/app', {});
    expect(destroy.status).toBe(400);
    expect(destroy.body).toEqual({ errors: ['no version number provided'] });
  });

  it('creates no leases', async () => {
    await put('secret/data/app', { data: { ttl: '1h' } });
    const res = await get('secret/data/app');
    expect(res.body).toMatchObject({ lease_id: '', lease_duration: 0, renewable: false });
    expect(mock.leases()).toEqual([]);
  });
});

describe('metadata', () => {
  it('describes the key and its versions', async () => {
    await put('secret/data/app', { data: { v: 1 } });
    await put('secret/data/app', { data: { v: 2 } });
    await api('DELETE', 'secret/data/app');
    const res = await get('secret/metadata/app');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      cas_required: false,
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
    });
    expect(res.body.data.created_time).toMatch(RFC3339);
    expect(res.body.data.updated_time).toMatch(RFC3339);
    expect(Object.keys(res.body.data.versions)).toEqual(['1', '2']);
    expect(res.body.data.versions['1']).toEqual({
      created_time: expect.stringMatching(RFC3339),
      deletion_time: '',
      destroyed: false,
    });
    expect(res.body.data.versions['2'].deletion_time).toMatch(RFC3339);
  });

  it('trims versions past max_versions', async () => {
    await put('secret/metadata/app', { max_versions: 3 });
    for (let n = 1; n <= 5; n++) await put('secret/data/app', { data: { n } });
    const meta = (await get('secret/metadata/app')).body.data;
    expect(meta).toMatchObject({ current_version: 5, oldest_version: 3, max_versions: 3 });
    expect(Object.keys(meta.versions)).toEqual(['3', '4', '5']);
    const gone = await get('secret/data/app?version=2');
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ errors: [] });
  });

  it('keeps 10 versions by default and follows the mount config', async () => {
    for (let n = 1; n <= 11; n++) await put('secret/data/app', { data: { n } });
    expect((await get('secret/metadata/app')).body.data).toMatchObject({
      oldest_version: 2,
      current_version: 11,
    });
    await put('secret/config', { max_versions: 2 });
    await put('secret/data/app', { data: { n: 12 } });
    expect(Object.keys((await get('secret/metadata/app')).body.data.versions)).toEqual(['11', '12']);
  });

  it('stores custom_metadata and validates it', async () => {
    await put('secret/metadata/app', { custom_metadata: { owner: 'ops', tier: 1 } });
    const write = await put('secret/data/app', { data: { a: 1 } });
    expect(write.body.data.custom_metadata).toEqual({ owner: 'ops', tier: '1' });
    const bad = await put('secret/metadata/app', { custom_metadata: { empty: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      '1 error occurred:\n\t* custom_metadata validation failed: length of value for key "empty" is 0 but must be 0 < len(value) <= 512\n\n',
    ]);
    await patch('secret/metadata/app', { custom_metadata: { owner: null, team: 'x' } });
    expect((await get('secret/metadata/app')).body.data.custom_metadata).toEqual({ tier: '1', team: 'x' });
  });

  it('lists keys and folders, and forgets a key on metadata delete', async () => {
    await put('secret/data/a', { data: { v: 1 } });
    await put('secret/data/dir/b', { data: { v: 1 } });
    await put('secret/data/dir/c/d', { data: { v: 1 } });
    const root = await get('secret/metadata?list=true');
    expect(root.status).toBe(200);
    expect(root.body.data.keys).toEqual(['a', 'dir/']);
    expect((await get('secret/metadata/dir/?list=true')).body.data.keys).toEqual(['b', 'c/']);
    expect((await get('secret/metadata/dir?list=true')).body.data.keys).toEqual(['b', 'c/']);
    await api('DELETE', 'secret/data/a');
    expect((await get('secret/metadata/?list=true')).body.data.keys).toEqual(['a', 'dir/']);
    expect((await get('secret/metadata/?list=true&exclude_deleted=true')).body.data.keys).toEqual(['dir/']);

    expect((await api('DELETE', 'secret/metadata/dir/b')).status).toBe(204);
    expect((await get('secret/data/dir/b')).body).toEqual({ errors: [] });
    expect((await get('secret/metadata/dir/b')).status).toBe(404);
    expect((await get('secret/metadata/dir/?list=true')).body.data.keys).toEqual(['c/']);
    const empty = await get('secret/metadata/nothing/?list=true');
    expect(empty.status).toBe(404);
    expect(empty.body).toEqual({ errors: [] });
  });
});

describe('delete_version_after', () => {
  it('deletes versions once their time is up on the mock clock', async () => {
    await put('secret/metadata/app', { delete_version_after: '1h' });
    const write = await put('secret/data/app', { data: { a: 1 } });
    const created = Date.parse(write.body.data.created_time);
    expect(Date.parse(write.body.data.deletion_time)).toBe(created + 3_600_000);
    expect((await get('secret/metadata/app')).body.data.delete_version_after).toBe('1h0m0s');

    await mock.clock.advance(59 * 60_000);
    expect((await get('secret/data/app')).status).toBe(200);
    await mock.clock.advance(60_000);
    const expired = await get('secret/data/app');
    expect(expired.status).toBe(404);
    expect(expired.body.data).toMatchObject({ data: null, metadata: { version: 1 } });
  });

  it('takes the smaller of the mount and key settings, and can be disabled on the mount', async () => {
    await put('secret/config', { delete_version_after: '30m' });
    expect((await get('secret/config')).body.data).toEqual({
      cas_required: false,
      delete_version_after: '30m0s',
      max_versions: 0,
    });
    await put('secret/metadata/app', { delete_version_after: 7200 });
    const write = await put('secret/data/app', { data: { a: 1 } });
    expect(Date.parse(write.body.data.deletion_time) - Date.parse(write.body.data.created_time)).toBe(
      1_800_000,
    );

    await put('secret/config', { delete_version_after: '-1s' });
    expect((await get('secret/config')).body.data.delete_version_after).toBe('-1s');
    expect((await put('secret/data/app', { data: { a: 2 } })).body.data.deletion_time).toBe('');
  });

  it('refuses a negative value on a key', async () => {
    const res = await put('secret/metadata/app', { delete_version_after: '-5s' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toContain("cannot provide negative value '-5'");
  });
});

describe('subkeys', () => {
  it('returns the structure with leaf values null, down to depth', async () => {
    await put('secret/data/app', { data: { a: 1, b: { c: 'x', d: { e: true } }, f: {} } });
    const full = await get('secret/subkeys/app');
    expect(full.status).toBe(200);
    expect(full.body.data.subkeys).toEqual({ a: null, b: { c: null, d: { e: null } }, f: null });
    expect(full.body.data.metadata).toMatchObject({ version: 1, deletion_time: '', destroyed: false });
    expect((await get('secret/subkeys/app?depth=1')).body.data.subkeys).toEqual({
      a: null,
      b: null,
      f: null,
    });
    expect((await get('secret/subkeys/app?depth=2')).body.data.subkeys).toEqual({
      a: null,
      b: { c: null, d: null },
      f: null,
    });
    expect((await get('secret/subkeys/missing')).body).toEqual({ errors: [] });
    await api('DELETE', 'secret/data/app');
    const deleted = await get('secret/subkeys/app');
    expect(deleted.status).toBe(404);
    expect(deleted.body.data.subkeys).toBeNull();
  });
});

describe('wrong paths', () => {
  it('warns on paths outside the v2 layout, naming the CLI command', async () => {
    const write = await put('secret/foo', { a: 1 });
    expect(write.status).toBe(404);
    expect(write.body.warnings).toEqual([WRONG_PATH.replace("'vault kv get'", "'vault kv put'")]);
    const list = await get('secret/foo?list=true');
    expect(list.status).toBe(404);
    expect(list.body.warnings).toEqual([WRONG_PATH.replace("'vault kv get'", "'vault kv list'")]);
    const root = await get('secret/data');
    expect(root.body.warnings).toEqual([
      'Non-listing operations on the root of a K/V v2 mount are not supported.',
    ]);
    expect((await get('secret/delete/foo')).status).toBe(405);
  });
});

describe('policies', () => {
  async function tokenWith(policy: string): Promise<string> {
    await api('PUT', 'sys/policies/acl/kv-test', { policy });
    const res = await put('auth/token/create', { policies: ['kv-test'] });
    return res.body.auth.client_token;
  }

  it('needs create for a new key and update to overwrite it', async () => {
    const token = await tokenWith('path "secret/data/*" { capabilities = ["create"] }');
    const first = await put('secret/data/new', { data: { a: 1 } }, token);
    expect(first.status).toBe(200);
    const second = await put('secret/data/new', { data: { a: 2 } }, token);
    expect(second.status).toBe(403);
    expect(second.body).toEqual({ errors: [DENIED] });
    expect((await get('secret/data/new')).body.data.data).toEqual({ a: 1 });
  });

  it('refuses a new key to a token with only update', async () => {
    const token = await tokenWith('path "secret/data/*" { capabilities = ["update", "read"] }');
    const res = await put('secret/data/fresh', { data: { a: 1 } }, token);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errors: [DENIED] });
    await put('secret/data/fresh', { data: { a: 1 } });
    expect((await put('secret/data/fresh', { data: { a: 2 } }, token)).status).toBe(200);
  });
});
