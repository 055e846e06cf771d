import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { call, DENIED, expectErrors } from './support/vault';

/*
 * Namespaces. Vault CE: hashicorp/vault http/handler.go (wrapGenericHandler puts every request
 * in the root namespace and echoes the X-Vault-Namespace header) and http/util.go (adjustRequest
 * leaves it there). Vault Enterprise behaviour, whose source is not public, follows the API docs
 * (website/content/api-docs/system/namespaces.mdx) and openbao/openbao, which implements the same
 * API in the open: namespace_store.go (ResolveNamespaceFromRequest, DeleteNamespace),
 * request_handling.go ("namespace not found", restrictedSysAPIs), helper/namespace (ParseName).
 */
let mock: MockVault | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const inNs = (ns: string, extra: Parameters<typeof call>[4] = {}) => ({
  ...extra,
  headers: { ...extra.headers, 'X-Vault-Namespace': ns },
});

describe('Vault CE (no namespaces option)', () => {
  it('ignores X-Vault-Namespace: the request runs in the root namespace, and the header comes back', async () => {
    mock = await startMockVault();
    await call(mock, 'POST', 'secret/data/app', { data: { v: 1 } });
    const status = await call(mock, 'GET', 'sys/seal-status', undefined, inNs('team-a', { token: null }));
    expect(status.status).toBe(200);
    expect(status.headers.get('x-vault-namespace')).toBe('team-a');
    const read = await call(mock, 'GET', 'secret/data/app', undefined, inNs('team-a'));
    expect(read.body.data.data).toEqual({ v: 1 });
    expect((await call(mock, 'GET', 'sys/health', undefined, { token: null })).body.enterprise).toBe(false);
    // No sys/namespaces in CE: the path is unsupported.
    expectErrors(await call(mock, 'LIST', 'sys/namespaces'), 404, [
      '1 error occurred:\n\t* unsupported path\n\n',
    ]);
  });
});

describe('Vault Enterprise (namespaces option)', () => {
  it('creates, lists, reads, patches and deletes namespaces through sys/namespaces', async () => {
    mock = await startMockVault({ namespaces: [] });
    expect((await call(mock, 'GET', 'sys/health', undefined, { token: null })).body.enterprise).toBe(true);
    const created = await call(mock, 'POST', 'sys/namespaces/team-a', { custom_metadata: { owner: 'a' } });
    expect(created.status).toBe(200);
    expect(created.body.data).toEqual({
      id: expect.stringMatching(/^\w{5}$/),
      path: 'team-a/',
      custom_metadata: { owner: 'a' },
    });
    await call(mock, 'POST', 'sys/namespaces/team-b');
    const listed = await call(mock, 'LIST', 'sys/namespaces');
    expect(listed.body.data.keys).toEqual(['team-a/', 'team-b/']);
    expect(listed.body.data.key_info['team-a/']).toEqual(created.body.data);
    const patched = await call(
      mock,
      'PATCH',
      'sys/namespaces/team-a',
      { custom_metadata: { owner: null, env: 'prod' } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
    expect(patched.body.data.custom_metadata).toEqual({ env: 'prod' });
    expect((await call(mock, 'DELETE', 'sys/namespaces/team-b')).status).toBe(204);
    expect((await call(mock, 'GET', 'sys/namespaces/team-b')).status).toBe(404);
    expect((await call(mock, 'DELETE', 'sys/namespaces/team-b')).body.warnings).toEqual([
      'requested namespace does not exist',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/namespaces/sys'), 400, [
      '"sys/" is a reserved path and cannot be used as a namespace name',
    ]);
    expectErrors(await call(mock, 'POST', 'sys/namespaces/a/b'), 400, ['namespace name cannot contain /']);
  });

  it("keeps each namespace's secrets to itself; the root reaches them by path prefix", async () => {
    mock = await startMockVault({ namespaces: ['team-a', 'team-b'] });
    for (const ns of ['team-a', 'team-b']) {
      await call(mock, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, inNs(ns));
    }
    await call(mock, 'POST', 'secret/data/app', { data: { team: 'a' } }, inNs('team-a'));
    expect((await call(mock, 'GET', 'secret/data/app', undefined, inNs('team-a'))).body.data.data).toEqual({
      team: 'a',
    });
    expect((await call(mock, 'GET', 'secret/data/app', undefined, inNs('team-b'))).status).toBe(404);
    // The root namespace's own secret/ (the dev mount) has nothing at that path...
    expect((await call(mock, 'GET', 'secret/data/app')).status).toBe(404);
    // ... and reaches team-a's as team-a/secret/..., or with the header and the path split.
    expect((await call(mock, 'GET', 'team-a/secret/data/app')).body.data.data).toEqual({ team: 'a' });
    const nested = await startMockVault({ namespaces: ['team-a/dev'] });
    try {
      await call(nested, 'POST', 'sys/mounts/kv', { type: 'kv' }, inNs('team-a/dev'));
      await call(nested, 'POST', 'kv/x', { v: 1 }, inNs('team-a/dev'));
      expect((await call(nested, 'GET', 'dev/kv/x', undefined, inNs('team-a'))).body.data).toEqual({ v: 1 });
      expect((await call(nested, 'GET', 'team-a/dev/kv/x')).body.data).toEqual({ v: 1 });
    } finally {
      await nested.close();
    }
  });

  it('has its own mounts, policies and tokens: a team-a token cannot act in team-b', async () => {
    mock = await startMockVault({ namespaces: ['team-a', 'team-b'] });
    await call(mock, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, inNs('team-a'));
    await call(mock, 'POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } }, inNs('team-b'));
    await call(
      mock,
      'PUT',
      'sys/policies/acl/reader',
      { policy: 'path "secret/*" { capabilities = ["read"] }' },
      inNs('team-a'),
    );
    expect((await call(mock, 'GET', 'sys/policies/acl/reader')).status).toBe(404);
    expect(
      Object.keys((await call(mock, 'GET', 'sys/mounts', undefined, inNs('team-a'))).body.data).sort(),
    ).toEqual(['secret/', 'sys/']);
    const created = await call(mock, 'POST', 'auth/token/create', { policies: ['reader'] }, inNs('team-a'));
    expect(created.status, created.text).toBe(200);
    const token = created.body.auth.client_token as string;
    const nsId = (await call(mock, 'GET', 'sys/namespaces/team-a')).body.data.id;
    expect(token.endsWith(`.${nsId}`)).toBe(true);
    await call(mock, 'POST', 'secret/data/app', { data: { v: 1 } }, inNs('team-a'));
    await call(mock, 'POST', 'secret/data/app', { data: { v: 2 } }, inNs('team-b'));
    expect((await call(mock, 'GET', 'secret/data/app', undefined, inNs('team-a', { token }))).status).toBe(
      200,
    );
    expectErrors(await call(mock, 'GET', 'secret/data/app', undefined, inNs('team-b', { token })), 403, [
      DENIED,
    ]);
    expectErrors(await call(mock, 'GET', 'secret/data/app', undefined, { token }), 403, [DENIED]);
    const tokens = mock.tokens().filter((t) => t.namespace === 'team-a/');
    expect(tokens.map((t) => t.policies)).toEqual([['default', 'reader']]);
  });

  it('keeps leases in their namespace, with the namespace id on the lease id', async () => {
    mock = await startMockVault({ namespaces: ['team-a'] });
    await call(mock, 'POST', 'sys/mounts/pki', { type: 'pki' }, inNs('team-a'));
    await call(
      mock,
      'POST',
      'pki/root/generate/internal',
      { common_name: 'ca.test', key_type: 'ec' },
      inNs('team-a'),
    );
    await call(
      mock,
      'POST',
      'pki/roles/web',
      { allowed_domains: 'test', allow_subdomains: true, generate_lease: true, key_type: 'ec', ttl: '1h' },
      inNs('team-a'),
    );
    const issued = await call(mock, 'POST', 'pki/issue/web', { common_name: 'a.test' }, inNs('team-a'));
    const nsId = (await call(mock, 'GET', 'sys/namespaces/team-a')).body.data.id;
    expect(issued.body.lease_id).toMatch(new RegExp(`^pki/issue/web/\\w+\\.${nsId}$`));
    expect(mock.leases()).toEqual([
      expect.objectContaining({ id: issued.body.lease_id, namespace: 'team-a/' }),
    ]);
    const lookup = { lease_id: issued.body.lease_id };
    expect((await call(mock, 'PUT', 'sys/leases/lookup', lookup, inNs('team-a'))).status).toBe(200);
    expectErrors(await call(mock, 'PUT', 'sys/leases/lookup', lookup), 400, ['invalid lease']);
  });

  it('refuses a namespace it does not know, and root-only sys APIs inside a namespace', async () => {
    mock = await startMockVault({ namespaces: ['team-a'] });
    expectErrors(await call(mock, 'GET', 'sys/mounts', undefined, inNs('nope')), 404, [
      'namespace not found',
    ]);
    expectErrors(await call(mock, 'GET', 'sys/health', undefined, inNs('team-a', { token: null })), 400, [
      'operation only available in root namespace',
    ]);
    expect((await call(mock, 'GET', 'sys/mounts', undefined, inNs('root'))).status).toBe(200);
    const entries = mock.audit.entries({ path: 'sys/mounts' }).map((e) => [e.namespace, e.status]);
    expect(entries).toEqual([
      ['nope', 404],
      ['root', 200],
    ]);
  });

  it('nests namespaces, lets a parent token act below, and deletes children first', async () => {
    mock = await startMockVault({ namespaces: ['team-a'] });
    const child = await call(mock, 'POST', 'sys/namespaces/dev', {}, inNs('team-a'));
    expect(child.body.data.path).toBe('team-a/dev/');
    await call(
      mock,
      'PUT',
      'sys/policies/acl/devops',
      { policy: 'path "dev/sys/mounts" { capabilities = ["read"] }' },
      inNs('team-a'),
    );
    const token = (await call(mock, 'POST', 'auth/token/create', { policies: ['devops'] }, inNs('team-a')))
      .body.auth.client_token;
    expect((await call(mock, 'GET', 'sys/mounts', undefined, inNs('team-a/dev', { token }))).status).toBe(
      200,
    );
    expectErrors(await call(mock, 'DELETE', 'sys/namespaces/team-a'), 409, [
      'unable to delete namespace containing child namespaces',
    ]);
    expect((await call(mock, 'DELETE', 'sys/namespaces/dev', undefined, inNs('team-a'))).status).toBe(204);
    expect((await call(mock, 'DELETE', 'sys/namespaces/team-a')).status).toBe(204);
    // The namespace's tokens went with it.
    expectErrors(await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token }), 403, [
      '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n',
    ]);
  });
});
