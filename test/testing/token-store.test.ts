import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, DENIED, expectErrors, INVALID_TOKEN, writePolicy } from './support/vault';

/*
 * The token store as strict as Vault's. Error strings come from hashicorp/vault
 * vault/token_store.go (handleCreateCommon, revokeCommon, handleRevokeOrphan, handleLookup,
 * handleRenew, tokenStoreRoleCreateUpdate, TokenStore.create, lookupByAccessor) and
 * vault/request_handling.go (UseToken and the deferred revocation of a token's last use).
 */
let mock: MockVault;
const HOUR = 3_600_000;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(Date.UTC(2030, 0, 1)) });
});
afterEach(async () => {
  await mock.close();
});

const MAKER = 'path "auth/token/create" { capabilities = ["update"] }';
const create = (body: Record<string, unknown>, token?: string) =>
  call(mock, 'POST', 'auth/token/create', body, token === undefined ? {} : { token });
const lookupSelf = (token: string) => call(mock, 'GET', 'auth/token/lookup-self', undefined, { token });
const works = async (token: string) => (await lookupSelf(token)).status === 200;

/** A token holding `policy` (HCL) as a policy of its own, child of root. */
async function tokenWith(name: string, policy: string, extra: Record<string, unknown> = {}): Promise<string> {
  await writePolicy(mock, name, policy);
  return createToken(mock, [name], extra);
}

describe('num_uses', () => {
  it('a one-use token answers once, then is gone', async () => {
    const token = await createToken(mock, ['default'], { num_uses: 1 });
    expect((await lookupSelf(token)).status).toBe(200);
    expectErrors(await lookupSelf(token), 403, [INVALID_TOKEN]);
  });

  it('counts down in lookups, and a refused request spends a use too', async () => {
    const token = await createToken(mock, ['default'], { num_uses: 3 });
    expect((await lookupSelf(token)).body.data.num_uses).toBe(2);
    expectErrors(await call(mock, 'GET', 'sys/mounts', undefined, { token }), 403, [DENIED]);
    expect((await lookupSelf(token)).body.data.num_uses).toBe(-1);
    expectErrors(await lookupSelf(token), 403, [INVALID_TOKEN]);
    expect(
      mock.tokens().filter((t) => t.policies.includes('default') && t.path === 'auth/token/create'),
    ).toEqual([]);
  });

  it('a leased secret asked for with the last use is revoked and not handed out', async () => {
    await call(mock, 'POST', 'sys/mounts/pki', { type: 'pki' });
    await call(mock, 'POST', 'pki/root/generate/internal', { common_name: 'ca.test', key_type: 'ec' });
    await call(mock, 'POST', 'pki/roles/web', {
      allowed_domains: 'test',
      allow_subdomains: true,
      generate_lease: true,
      key_type: 'ec',
      ttl: '1h',
    });
    const token = await tokenWith('issuer', 'path "pki/issue/web" { capabilities = ["update"] }', {
      num_uses: 1,
    });
    expectErrors(await call(mock, 'POST', 'pki/issue/web', { common_name: 'a.test' }, { token }), 400, [
      'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.',
    ]);
    expect(mock.leases({ path: 'pki/' })).toEqual([]);
  });

  it('a token with uses left cannot make children', async () => {
    const token = await tokenWith('maker', MAKER, { num_uses: 5 });
    expectErrors(await create({ policies: ['default'] }, token), 400, [
      'restricted use token cannot generate child tokens',
    ]);
  });
});

describe('the token tree', () => {
  it('revoking a parent revokes its children and theirs, with their leases', async () => {
    const maker = await tokenWith('maker', MAKER);
    const child = (await create({ policies: ['maker'] }, maker)).body.auth.client_token;
    const grandchild = (await create({ policies: ['maker'] }, child)).body.auth.client_token;
    const orphan = (await call(mock, 'POST', 'auth/token/create-orphan', { policies: ['default'] })).body.auth
      .client_token;
    expect(await works(grandchild)).toBe(true);
    expect((await call(mock, 'POST', 'auth/token/revoke', { token: maker })).status).toBe(204);
    for (const gone of [maker, child, grandchild]) expect(await works(gone)).toBe(false);
    expect(await works(orphan)).toBe(true);
  });

  it('revoke-orphan keeps the children, now orphans', async () => {
    const maker = await tokenWith('maker', MAKER);
    const child = (await create({ policies: ['maker'] }, maker)).body.auth.client_token;
    expect((await lookupSelf(child)).body.data.orphan).toBe(false);
    expect((await call(mock, 'POST', 'auth/token/revoke-orphan', { token: maker })).status).toBe(204);
    expect(await works(maker)).toBe(false);
    expect((await lookupSelf(child)).body.data.orphan).toBe(true);
  });

  it("a parent's expiry takes its children with it, however long their own TTL", async () => {
    const parent = await tokenWith('maker', MAKER, { ttl: '1h' });
    const child = (await create({ policies: ['maker'], ttl: '10h' }, parent)).body.auth.client_token;
    await mock.clock.advance(HOUR);
    expect(await works(child)).toBe(false);
  });

  it('revoke-accessor and revoke-self revoke the tree too', async () => {
    for (const how of ['accessor', 'self'] as const) {
      const parent = await tokenWith('maker', MAKER);
      const child = (await create({ policies: ['maker'] }, parent)).body.auth.client_token;
      const accessor = (await lookupSelf(parent)).body.data.accessor;
      const res =
        how === 'self'
          ? await call(mock, 'POST', 'auth/token/revoke-self', undefined, { token: parent })
          : await call(mock, 'POST', 'auth/token/revoke-accessor', { accessor });
      expect(res.status).toBe(204);
      expect(await works(child)).toBe(false);
    }
  });
});

describe('what needs root or sudo', () => {
  const plain = () => tokenWith('maker', 'path "auth/token/create*" { capabilities = ["update"] }');

  it.each([
    [{ no_parent: true }, 'root or sudo privileges required to create orphan token'],
    [{ period: '1h' }, 'root or sudo privileges required to create periodic token'],
    [{ id: 'my-token' }, 'root or sudo privileges required to specify token id'],
    [{ policies: ['other'] }, 'child policies must be subset of parent'],
  ])('refuses %j without sudo', async (body, message) => {
    expectErrors(await create({ policies: ['maker'], ...body }, await plain()), 400, [message]);
  });

  it('grants them all, and policies beyond its own, to a token with sudo on the path', async () => {
    const sudo = await tokenWith('sudoer', 'path "auth/token/create" { capabilities = ["update", "sudo"] }');
    await writePolicy(mock, 'other', 'path "secret/*" { capabilities = ["read"] }');
    const res = await create({ policies: ['other'], no_parent: true, period: '1h', id: 'my-token' }, sudo);
    expect(res.status, res.text).toBe(200);
    expect(res.body.auth).toMatchObject({
      client_token: 'my-token',
      policies: ['default', 'other'],
      orphan: true,
      lease_duration: 3600,
    });
    expect(res.body.warnings).toContain(
      'Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.',
    );
  });

  it('refuses a custom id already in use, the root token included, which keeps working', async () => {
    const dev = await startMockVault({ rootToken: 'root' });
    try {
      expectErrors(await call(dev, 'POST', 'auth/token/create', { id: 'root', policies: ['default'] }), 400, [
        'cannot create a token with a duplicate ID',
      ]);
      expect((await call(dev, 'GET', 'sys/mounts')).status).toBe(200);
    } finally {
      await dev.close();
    }
    expect((await create({ id: 'taken' })).status).toBe(200);
    expectErrors(await create({ id: 'taken' }), 400, ['cannot create a token with a duplicate ID']);
    // Ids that could pass for generated ones are refused outright.
    expectErrors(await create({ id: mock.rootToken }), 400, [
      "custom token ID cannot have the 'hvs.' prefix",
    ]);
    expectErrors(await create({ id: 'a.b' }), 400, ["custom token ID cannot have a '.' in the value"]);
  });

  it('refuses a root child of a non-root parent, even with sudo', async () => {
    const sudo = await tokenWith('sudoer', 'path "auth/token/create" { capabilities = ["update", "sudo"] }');
    expectErrors(await create({ policies: ['root'] }, sudo), 400, [
      'root tokens may not be created without parent token being root',
    ]);
  });

  it('lists accessors only with sudo (PathsSpecial.Root)', async () => {
    const lister = await tokenWith('lister', 'path "auth/token/accessors" { capabilities = ["list"] }');
    expectErrors(await call(mock, 'LIST', 'auth/token/accessors', undefined, { token: lister }), 403, [
      DENIED,
    ]);
    const accessor = (await lookupSelf(lister)).body.data.accessor;
    const listed = await call(mock, 'LIST', 'auth/token/accessors');
    expect(listed.body.data.keys).toContain(accessor);
  });
});

describe('TTLs', () => {
  it('caps a TTL at the system max (768 h), with the warning', async () => {
    const res = await create({ policies: ['default'], ttl: '87600h' });
    expect(res.body.auth.lease_duration).toBe(768 * 3600);
    expect(res.body.warnings).toEqual([
      'TTL of "87600h" exceeded the effective max_ttl of "768h"; TTL value is capped accordingly',
    ]);
  });

  it("caps it at the token mount's tuned max", async () => {
    expect((await call(mock, 'POST', 'sys/auth/token/tune', { max_lease_ttl: '2h' })).status).toBe(204);
    expect((await create({ policies: ['default'], ttl: '5h' })).body.auth.lease_duration).toBe(7200);
    expect((await create({ policies: ['default'] })).body.auth.lease_duration).toBe(7200);
  });

  it('refuses renewal past explicit_max_ttl, and renews a periodic token by its period forever', async () => {
    const capped = await createToken(mock, ['default'], { ttl: '1h', explicit_max_ttl: '90m' });
    await mock.clock.advance(HOUR - 60_000);
    const renewed = await call(mock, 'POST', 'auth/token/renew-self', { increment: '1h' }, { token: capped });
    expect(renewed.body.auth.lease_duration).toBe(31 * 60);
    const periodic = await createToken(mock, ['default'], { period: '1h' });
    for (let day = 0; day < 40; day++) {
      await mock.clock.advance(HOUR - 60_000);
      const res = await call(mock, 'POST', 'auth/token/renew-self', undefined, { token: periodic });
      expect(res.body.auth.lease_duration).toBe(3600);
    }
    expect((await lookupSelf(periodic)).body.data).toMatchObject({ period: 3600, ttl: 3600 });
  });

  it('parses durations itself and answers its errors as they are', async () => {
    expectErrors(await create({ ttl: 'soon' }), 400, ['time: invalid duration "soon"']);
    expectErrors(await create({ ttl: '-1h' }), 400, ['ttl must be positive']);
    expectErrors(await create({ num_uses: -1 }), 400, ['number of uses cannot be negative']);
    expectErrors(await create({ type: 'batch', period: '1h' }), 400, [
      'batch tokens cannot have "period" set',
    ]);
  });
});

describe('lookups, renewals and revocations by id and accessor', () => {
  it("answers Vault's errors for a missing, unknown or empty token", async () => {
    for (const path of ['renew', 'revoke', 'revoke-orphan']) {
      expectErrors(await call(mock, 'POST', `auth/token/${path}`, { token: '' }), 400, ['missing token ID']);
    }
    expect((await call(mock, 'POST', 'auth/token/revoke', { token: 'hvs.nope' })).status).toBe(204);
    expectErrors(await call(mock, 'POST', 'auth/token/lookup', { token: 'hvs.nope' }), 403, ['bad token']);
    expectErrors(await call(mock, 'POST', 'auth/token/renew', { token: 'hvs.nope' }), 400, [
      'token not found',
    ]);
    expectErrors(await call(mock, 'POST', 'auth/token/revoke-orphan', { token: 'hvs.nope' }), 400, [
      'token to revoke not found',
    ]);
    // lookupByAccessor's errors are Go errors, wrapped by the core.
    expectErrors(await call(mock, 'POST', 'auth/token/lookup-accessor', { accessor: 'nope' }), 400, [
      '1 error occurred:\n\t* invalid accessor\n\n',
    ]);
    expectErrors(await call(mock, 'POST', 'auth/token/revoke-accessor', {}), 400, [
      '1 error occurred:\n\t* missing accessor\n\n',
    ]);
  });

  it('looks a token up by accessor without showing its id, and an empty token as the caller', async () => {
    const token = await createToken(mock, ['default'], { meta: { team: 'a' } });
    const accessor = (await lookupSelf(token)).body.data.accessor;
    const byAccessor = await call(mock, 'POST', 'auth/token/lookup-accessor', { accessor });
    expect(byAccessor.body.data).toMatchObject({
      id: '',
      accessor,
      meta: { team: 'a' },
      policies: ['default'],
    });
    const own = await call(mock, 'POST', 'auth/token/lookup', {});
    expect(own.body.data.id).toBe(mock.rootToken);
  });

  it('needs sudo to revoke as orphan, on top of the capability', async () => {
    const revoker = await tokenWith(
      'revoker',
      'path "auth/token/revoke-orphan" { capabilities = ["update"] }',
    );
    const victim = await createToken(mock, ['default']);
    expectErrors(
      await call(mock, 'POST', 'auth/token/revoke-orphan', { token: victim }, { token: revoker }),
      400,
      ['root or sudo privileges required to revoke and orphan'],
    );
  });
});

describe('token roles', () => {
  it('creates tokens against a role: its policies, path, orphan flag and period', async () => {
    const write = await call(mock, 'POST', 'auth/token/roles/ci', {
      allowed_policies: 'ci, default',
      orphan: true,
      token_period: '30m',
      path_suffix: 'rev1',
    });
    expect(write.status).toBe(204);
    expect((await call(mock, 'LIST', 'auth/token/roles')).body.data.keys).toEqual(['ci']);
    expect((await call(mock, 'GET', 'auth/token/roles/ci')).body.data).toMatchObject({
      allowed_policies: ['ci', 'default'],
      orphan: true,
      token_period: 1800,
      period: 0,
      path_suffix: 'rev1',
      renewable: true,
      token_type: 'default-service',
    });
    const res = await call(mock, 'POST', 'auth/token/create/ci', {});
    expect(res.status, res.text).toBe(200);
    expect(res.body.auth).toMatchObject({ policies: ['ci', 'default'], orphan: true, lease_duration: 1800 });
    const token = res.body.auth.client_token;
    expect((await lookupSelf(token)).body.data).toMatchObject({
      path: 'auth/token/create/ci/rev1',
      role: 'ci',
      period: 1800,
    });
    expectErrors(await call(mock, 'POST', 'auth/token/create/ci', { policies: ['admin'] }), 400, [
      `token policies (["admin" "default"]) must be subset of the role's allowed policies (["ci" "default"])`,
    ]);
    expectErrors(await call(mock, 'POST', 'auth/token/create/nope', {}), 400, ['unknown role nope']);
    // pathSuffixSanitize wants three characters at least.
    expectErrors(await call(mock, 'POST', 'auth/token/roles/ci', { path_suffix: 'v1' }), 400, [
      'given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w',
    ]);
  });

  it("refuses a role's disallowed policies and a batch role that would make children", async () => {
    await call(mock, 'POST', 'auth/token/roles/limited', { disallowed_policies: 'admin' });
    expectErrors(await call(mock, 'POST', 'auth/token/create/limited', { policies: ['admin'] }), 400, [
      'token policy "admin" is disallowed by this role',
    ]);
    expectErrors(await call(mock, 'POST', 'auth/token/roles/b', { token_type: 'batch' }), 400, [
      "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens",
    ]);
  });
});

describe('policies a token is given', () => {
  it("inherits the parent's when none are asked for, and warns of those that do not exist", async () => {
    const res = await create({ policies: ['nowhere'] });
    expect(res.body.auth.policies).toEqual(['default', 'nowhere']);
    expect(res.body.warnings).toEqual(['Policy "nowhere" does not exist']);
    const inherited = await create({});
    expect(inherited.body.auth.policies).toEqual(['root']);
  });
});
