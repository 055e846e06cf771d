import { connect } from 'node:net';
import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/*
 * README "Testing your app with the mock Vault": "a real HTTP server that answers like Vault: same
 * paths, bodies, status codes". Attacked with request paths a browser-style URL parser would
 * quietly resolve but Vault's listener does not serve. Vault's listener is Go's http.ServeMux
 * (hashicorp/vault http/handler.go `Handler`: mux.Handle("/v1/", ...)); ServeMux cleans the
 * escaped path (net/http server.go `cleanPath`) and answers any path that was not clean with
 * `301 Moved Permanently` to the clean one (net/http `Redirect`: an HTML link body for GET),
 * without running the handler: a DELETE at `secret/../secret/data/x` deletes nothing.
 */

let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await mock.write('secret/data/app/config', { data: { api_key: 'k-1' } });
});
afterEach(async () => {
  await mock.close();
});

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One raw HTTP/1.1 exchange: fetch and WHATWG URLs would resolve the dots before sending. */
function raw(method: string, target: string): Promise<RawReply> {
  const { hostname, port } = new URL(mock.address);
  const text = `${method} ${target} HTTP/1.1\r\nHost: vault\r\nX-Vault-Token: ${mock.rootToken}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(text));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = all.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      const payload = rest.join('\r\n\r\n');
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: headers['transfer-encoding'] === 'chunked' ? unchunk(payload) : payload,
      });
    });
  });
}

/** HTTP/1.1 chunked transfer coding, decoded. */
function unchunk(payload: string): string {
  let out = '';
  let rest = payload;
  for (;;) {
    const at = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, at), 16);
    if (!(size > 0)) return out;
    out += rest.slice(at + 2, at + 2 + size);
    rest = rest.slice(at + 2 + size + 2);
  }
}

describe('edge: the mock cleans request paths as Go’s ServeMux does', () => {
  it.each([
    ['/v1/secret/../secret/data/app/config', '/v1/secret/data/app/config'],
    ['/v1/secret/data/app/./config', '/v1/secret/data/app/config'],
    ['/v1/secret//data/app/config', '/v1/secret/data/app/config'],
    ['//v1/secret/data/app/config', '/v1/secret/data/app/config'],
    ['/v1/secret//data/app/config?version=1&x=..', '/v1/secret/data/app/config?version=1&x=..'],
    ['/v1/secret/data/other/../app/config/', '/v1/secret/data/app/config/'],
    ['/v1/../../etc/passwd', '/etc/passwd'],
  ])('GET %s is a 301 to %s with Go’s link body, and reads nothing', async (target, location) => {
    const reply = await raw('GET', target);
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe(location);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body).toBe(`<a href="${location.replace(/&/g, '&amp;')}">Moved Permanently</a>.\n\n`);
    expect(reply.body).not.toContain('k-1');
  });

  it('a DELETE or POST at an unclean path is a bodiless 301 and changes nothing', async () => {
    for (const method of ['DELETE', 'POST', 'PUT']) {
      const reply = await raw(method, '/v1/secret/../secret/data/app/config');
      expect(reply.status).toBe(301);
      expect(reply.headers.location).toBe('/v1/secret/data/app/config');
      expect(reply.headers['content-type']).toBeUndefined();
      expect(reply.body).toBe('');
    }
    const still = await mock.read('secret/data/app/config');
    expect(still.body).toMatchObject({ data: { data: { api_key: 'k-1' } } });
  });

  it('the audit log records the 301 at the path as sent', async () => {
    await raw('GET', '/v1/secret//data/app/config');
    expect(mock.audit.entries({ status: 301 })).toHaveLength(1);
  });

  it('clean paths, and escapes the mux does not clean (%2F, %2e%2e), are served as before', async () => {
    const clean = await raw('GET', '/v1/secret/data/app/config');
    expect(clean.status).toBe(200);
    const escaped = await raw('GET', '/v1/secret%2Fdata%2Fapp%2Fconfig');
    expect(escaped.status).toBe(200);
    // %2e%2e reaches Vault as a literal `..` segment, which no KV route matches: never the secret.
    const dots = await raw('GET', '/v1/secret/%2e%2e/secret/data/app/config');
    expect(dots.status).toBe(404);
    expect(dots.body).not.toContain('k-1');
  });
});

describe('edge: the token in odd headers, as Vault reads it (http/handler.go getTokenFromReq)', () => {
  const read = (headers: Record<string, string>) =>
    fetch(`${mock.address}/v1/secret/data/app/config`, { headers }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { errors?: string[] },
    }));

  it.each([
    ['Authorization: Bearer <token>', (t: string) => ({ authorization: `Bearer ${t}` })],
    ['Bearer with spaces around the token', (t: string) => ({ authorization: `Bearer   ${t}` })],
    [
      'an empty X-Vault-Token, then Bearer',
      (t: string) => ({ 'x-vault-token': '', authorization: `Bearer ${t}` }),
    ],
    [
      'X-Vault-Token over a wrong Bearer',
      (t: string) => ({ 'x-vault-token': t, authorization: 'Bearer nope' }),
    ],
  ])('%s is the token', async (_name, headers) => {
    expect((await read(headers(mock.rootToken))).status).toBe(200);
  });

  it.each([
    ['a lower-case scheme', (t: string) => ({ authorization: `bearer ${t}` })],
    ['an upper-case scheme', (t: string) => ({ authorization: `BEARER ${t}` })],
    ['a tab after the scheme', (t: string) => ({ authorization: `Bearer\t${t}` })],
    [
      'Basic credentials',
      (t: string) => ({ authorization: `Basic ${Buffer.from(`x:${t}`).toString('base64')}` }),
    ],
    ['an X-Token header Vault does not read', (t: string) => ({ 'x-token': t })],
  ])('%s is no token at all: 403 permission denied', async (_name, headers) => {
    const reply = await read(headers(mock.rootToken));
    expect(reply.status).toBe(403);
    expect(reply.body.errors).toEqual(['permission denied']);
  });

  it('X-Vault-Token wins: a wrong one is refused even beside a good Bearer', async () => {
    const reply = await read({ 'x-vault-token': 'hvs.wrong', authorization: `Bearer ${mock.rootToken}` });
    expect(reply.status).toBe(403);
  });
});

describe('edge: request bodies nested past what Go decodes', () => {
  // encoding/json scanner.go maxNestingDepth (10000): the decoder fails, and Vault's handler
  // (http/logical.go buildLogicalRequestNoAuth) answers 400 `error parsing JSON`.
  it.each([10_001, 200_000])(
    'nesting %i deep is 400 error parsing JSON, and the mock goes on answering',
    async (depth) => {
      const body = `{"data":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      const reply = await fetch(`${mock.address}/v1/secret/data/deep`, {
        method: 'POST',
        headers: { 'x-vault-token': mock.rootToken },
        body,
      });
      expect(reply.status).toBe(400);
      expect(await reply.json()).toEqual({ errors: ['error parsing JSON'] });
      expect((await fetch(`${mock.address}/v1/sys/health`)).status).toBe(200);
    },
  );

  it('an object nested past the limit inside a string is only text: accepted', async () => {
    const reply = await fetch(`${mock.address}/v1/secret/data/deep`, {
      method: 'POST',
      headers: { 'x-vault-token': mock.rootToken },
      body: JSON.stringify({ data: { a: '['.repeat(20_000) } }),
    });
    expect(reply.status).toBe(200);
  });
});
