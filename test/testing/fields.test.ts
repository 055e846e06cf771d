import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, enableKubernetesAuth, expectErrors } from './support/vault';

/*
 * The framework's field handling, over HTTP: every route declares its fields once and the
 * request is decoded before the handler runs (sdk/framework/backend.go HandleRequest and
 * HandleExistenceCheck, sdk/framework/field_data.go getPrimitive, mitchellh/mapstructure v1.5
 * weak decoding, go-secure-stdlib/parseutil). The strings below are those sources' texts.
 */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await enableKubernetesAuth(mock);
});
afterEach(async () => {
  await mock.close();
});

const bound = { bound_service_account_names: 'myapp-sa', bound_service_account_namespaces: 'default' };
const role = async (body: Record<string, unknown>) => {
  const put = await call(mock, 'POST', 'auth/kubernetes/role/r', { ...bound, audience: 'vault', ...body });
  expect(put.status, put.text).toBeLessThan(300);
  return (await call(mock, 'GET', 'auth/kubernetes/role/r')).body.data;
};

describe('conversions before the handler runs', () => {
  it('reads durations as seconds, Go durations, or days with Vault\'s "d" suffix', async () => {
    expect(await role({ token_ttl: '1h30m', token_max_ttl: '2d', token_period: 90 })).toMatchObject({
      token_ttl: 5400,
      token_max_ttl: 172_800,
      token_period: 90,
    });
    // time.ParseDuration's fractions, truncated to whole seconds by int(d.Seconds()).
    expect(await role({ token_ttl: '1.9s', token_max_ttl: '' })).toMatchObject({
      token_ttl: 1,
      token_max_ttl: 0,
    });
  });

  it('reads ints as Go literals (strconv.ParseInt base 0) and bools as strconv.ParseBool', async () => {
    expect(await role({ token_num_uses: '0x10', token_no_default_policy: 't' })).toMatchObject({
      token_num_uses: 16,
      token_no_default_policy: true,
    });
    // A leading zero is octal; underscores separate digits.
    expect(await role({ token_num_uses: '010' })).toMatchObject({ token_num_uses: 8 });
    expect(await role({ token_num_uses: '1_000', token_no_default_policy: 0 })).toMatchObject({
      token_num_uses: 1000,
      token_no_default_policy: false,
    });
  });

  it('splits comma lists and trims their items; a JSON list is taken item by item', async () => {
    expect(await role({ token_policies: ' a , b,c', bound_service_account_names: ['x', 'y'] })).toMatchObject(
      {
        token_policies: ['a', 'b', 'c'],
        bound_service_account_names: ['x', 'y'],
      },
    );
  });

  it('answers a value that does not convert with 400 and the framework text, on any path', async () => {
    // No existence check on config: HandleRequest prefixes "Field validation failed".
    expectErrors(
      await call(mock, 'POST', 'auth/kubernetes/config', {
        kubernetes_host: 'https://k8s',
        disable_iss_validation: 'yes',
      }),
      400,
      [
        'Field validation failed: error converting input yes for field "disable_iss_validation": cannot parse \'\' as bool: strconv.ParseBool: parsing "yes": invalid syntax',
      ],
    );
    expectErrors(await call(mock, 'POST', 'auth/token/renew-self', { increment: 'soon' }), 400, [
      'Field validation failed: error converting input soon for field "increment": time: invalid duration "soon"',
    ]);
    expectErrors(await call(mock, 'POST', 'auth/token/renew-self', { increment: '5x' }), 400, [
      'Field validation failed: error converting input 5x for field "increment": time: unknown unit "x" in duration "5x"',
    ]);
    // A JSON number is a json.Number, a string to mapstructure: 1.5 is not an int.
    expectErrors(await call(mock, 'POST', 'auth/token/create', { num_uses: 1.5 }), 400, [
      'Field validation failed: error converting input 1.5 for field "num_uses": cannot parse \'\' as int: strconv.ParseInt: parsing "1.5": invalid syntax',
    ]);
    // TypeKVPairs: not a map, so a list of k=v pairs, which "nope" is not.
    expectErrors(await call(mock, 'POST', 'auth/token/create', { meta: 'nope' }), 400, [
      'Field validation failed: error converting input nope for field "meta": invalid key pair "nope"',
    ]);
    // A list element mapstructure cannot convert: its errors, counted and bulleted.
    expectErrors(await call(mock, 'POST', 'auth/token/create', { policies: ['a', { b: 1 }] }), 400, [
      "Field validation failed: error converting input [a map[b:1]] for field \"policies\": 1 error(s) decoding:\n\n* '[1]' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[b:1]'",
    ]);
  });

  it('answers a bad value on a path with an existence check with the bare conversion error', async () => {
    // HandleExistenceCheck returns the Validate error as a UserError, before any policy check.
    expectErrors(
      await call(mock, 'POST', 'auth/kubernetes/role/r', { ...bound, token_num_uses: [1, 2] }),
      400,
      [
        "error converting input [1 2] for field \"token_num_uses\": '' expected type 'int', got unconvertible type '[]interface {}', value: '[1 2]'",
      ],
    );
  });

  it('refuses the bad value before anything is written', async () => {
    await call(mock, 'POST', 'auth/kubernetes/role/r', { ...bound, token_ttl: 60 });
    const bad = await call(mock, 'POST', 'auth/kubernetes/role/r', {
      token_ttl: 120,
      token_max_ttl: 'forever',
    });
    expect(bad.status).toBe(400);
    expect((await call(mock, 'GET', 'auth/kubernetes/role/r')).body.data.token_ttl).toBe(60);
  });
});

describe('fields a path does not declare', () => {
  it('warns about them, sorted, on any answer with a body', async () => {
    const res = await call(mock, 'POST', 'auth/token/create', { policies: ['default'], zeta: 1, alpha: 'x' });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [alpha zeta]']);
  });

  it('warns when a body field is replaced by the value the path captured', async () => {
    await call(mock, 'POST', 'auth/kubernetes/role/r', { ...bound, audience: 'vault' });
    const res = await call(mock, 'POST', 'auth/kubernetes/role/r', { name: 'other', token_max_ttl: '1000h' });
    expect(res.body.warnings).toContain(
      "Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [name]",
    );
  });

  it('never warns on a path that takes arbitrary input (KV version 1)', async () => {
    expect((await call(mock, 'POST', 'sys/mounts/kv1', { type: 'kv' })).status).toBe(204);
    await call(mock, 'POST', 'kv1/app', { anything: 'goes', ttl: '1h' });
    const read = await call(mock, 'GET', 'kv1/app');
    expect(read.body).toMatchObject({
      data: { anything: 'goes', ttl: '1h' },
      warnings: null,
      lease_duration: 3600,
    });
  });
});
