import { connect } from 'node:net';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, enableKubernetesAuth, expectErrors } from './support/vault';

/**
 * Input a client should not send, answered as Vault's HTTP layer answers it
 * (hashicorp/vault http/logical.go buildLogicalRequestNoAuth, http/handler.go): the parser's
 * detail stays in Vault's log and the client gets `error parsing JSON`. After each case the mock
 * must still answer.
 */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
});
afterEach(async () => {
  expect((await call(mock, 'GET', 'sys/health', undefined, { token: null })).status).toBe(200);
  await mock.close();
});

/** One raw HTTP/1.1 exchange over a socket, for requests fetch would not send. */
function rawRequest(address: string, text: string): Promise<string> {
  const { hostname, port } = new URL(address);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(text));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

describe('request bodies', () => {
  it.each([
    ['malformed JSON', '{"data": '],
    ['a JSON array', '[{"data": {}}]'],
    ['a JSON string', '"data"'],
    ['a JSON number', '42'],
    ['not JSON at all', 'data=1'],
  ])('refuses %s with 400 error parsing JSON', async (_what, rawBody) => {
    expectErrors(await call(mock, 'POST', 'secret/data/x', undefined, { rawBody }), 400, [
      'error parsing JSON',
    ]);
    expect((await call(mock, 'GET', 'secret/data/x')).status).toBe(404);
  });

  it('reads only the first JSON value, as Go’s decoder does', async () => {
    const res = await call(mock, 'POST', 'secret/data/x', undefined, {
      rawBody: '{"data":{"a":"1"}} trailing',
    });
    expect(res.status).toBe(200);
    expect((await call(mock, 'GET', 'secret/data/x')).body.data.data).toEqual({ a: '1' });
  });

  it('treats an empty body and JSON null as no data', async () => {
    expectErrors(await call(mock, 'POST', 'secret/data/x', undefined, { rawBody: '' }), 400, [
      'no data provided',
    ]);
    expectErrors(await call(mock, 'POST', 'secret/data/x', undefined, { rawBody: 'null' }), 400, [
      'no data provided',
    ]);
  });

  it('parses form bodies when the content type says so and the body is not JSON', async () => {
    await enableKubernetesAuth(mock);
    const form = await call(mock, 'POST', 'auth/kubernetes/login', undefined, {
      token: null,
      rawBody: 'role=&jwt=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expectErrors(form, 400, ['missing role']);
    const json = await call(mock, 'POST', 'auth/kubernetes/login', undefined, {
      token: null,
      rawBody: '{"role":"r"}',
      contentType: 'application/x-www-form-urlencoded',
    });
    expectErrors(json, 400, ['missing jwt']);
  });

  it('ignores unknown fields, naming them in a warning when the answer has a body', async () => {
    await enableKubernetesAuth(mock);
    const bound = { bound_service_account_names: 'a', bound_service_account_namespaces: 'b' };
    const silent = await call(mock, 'POST', 'auth/kubernetes/role/r', {
      ...bound,
      audience: 'v',
      colour: 'red',
    });
    expect([silent.status, silent.text]).toEqual([204, '']);
    // No audience: the answer carries a warning, so the ignored fields are named too.
    const loud = await call(mock, 'POST', 'auth/kubernetes/role/r2', {
      ...bound,
      zeta: 1,
      alpha: 2,
      name: 'other',
    });
    expect(loud.status).toBe(200);
    expect(loud.body.warnings.slice(1)).toEqual([
      'Endpoint ignored these unrecognized parameters: [alpha zeta]',
      "Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [name]",
    ]);
    expect(
      (await call(mock, 'GET', 'auth/kubernetes/role/r2')).body.data.bound_service_account_names,
    ).toEqual(['a']);
    expect((await call(mock, 'GET', 'auth/kubernetes/role/other')).status).toBe(404);
  });

  it('refuses a body over the listener’s limit with 413 and closes the connection', async () => {
    const small = await startMockVault({ maxRequestBytes: 1024 });
    try {
      const big = { data: { blob: 'x'.repeat(2048) } };
      const res = await call(small, 'POST', 'secret/data/x', big);
      expectErrors(res, 413, ['error parsing JSON']);
      expect(res.headers.get('connection')).toBe('close');
      const tiny = await startMockVault({ maxRequestBytes: 100 });
      try {
        expectErrors(await call(tiny, 'POST', 'secret/data/x', big), 413, ['error reading data']);
      } finally {
        await tiny.close();
      }
      expect((await call(small, 'POST', 'secret/data/x', { data: { ok: true } })).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('verbs and paths', () => {
  it.each(['PROPFIND', 'COPY', 'FOO'])(
    'answers the unknown verb %s with 405 and no message',
    async (method) => {
      expectErrors(await call(mock, method, 'secret/data/x'), 405, []);
    },
  );

  it('answers a write to a path ending in / with 400', async () => {
    expectErrors(await call(mock, 'POST', 'secret/data/x/', { data: {} }), 400, [
      "cannot write to a path ending in '/'",
    ]);
    expectErrors(await call(mock, 'PUT', 'sys/policies/acl/', { policy: 'x' }), 400, [
      "cannot write to a path ending in '/'",
    ]);
    // Vault refuses these before it looks at the token, so even no token gets the 400.
    expectErrors(await call(mock, 'POST', 'secret/data/x/', { data: {} }, { token: null }), 400, [
      "cannot write to a path ending in '/'",
    ]);
    const patch = { contentType: 'application/merge-patch+json' };
    expectErrors(await call(mock, 'PATCH', 'secret/data/x/', { data: {} }, patch), 400, [
      "cannot write to a path ending in '/'",
    ]);
  });

  it('asks PATCH for the merge-patch content type', async () => {
    await call(mock, 'POST', 'secret/data/x', { data: { a: 1 } });
    expectErrors(await call(mock, 'PATCH', 'secret/data/x', { data: { b: 2 } }), 415, [
      'PATCH requires Content-Type of application/merge-patch+json, provided application/json',
    ]);
    expectErrors(
      await call(
        mock,
        'PATCH',
        'secret/data/x',
        { data: { b: 2 } },
        { contentType: 'Text/Plain; charset=utf-8' },
      ),
      415,
      ['PATCH requires Content-Type of application/merge-patch+json, provided text/plain'],
    );
    const withCharset = { contentType: 'application/merge-patch+json; charset=utf-8' };
    expect((await call(mock, 'PATCH', 'secret/data/x', { data: { b: 2 } }, withCharset)).status).toBe(200);
    const bare = await rawRequest(
      mock.address,
      `PATCH /v1/secret/data/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${mock.rootToken}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    expect(bare).toMatch(/^HTTP\/1\.1 400 /);
    expect(bare).toContain('{"errors":["mime: no media type"]}');
  });

  it('answers outside /v1/ with Go’s plain 404 page', async () => {
    const res = await fetch(`${mock.address}/v2/secret/data/x`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('404 page not found\n');
    expect((await fetch(`${mock.address}/`)).status).toBe(404);
  });

  it('survives a request line it cannot parse', async () => {
    const reply = await rawRequest(mock.address, 'this is not http\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers a malformed percent-encoding in the path without crashing', async () => {
    const res = await fetch(`${mock.address}/v1/secret/data/%E0%A4%A`, {
      headers: { 'X-Vault-Token': mock.rootToken },
    });
    expect(res.status).toBeLessThan(500);
  });
});
