import {
  InvalidRequestError,
  ResponseShapeError,
  VaultBadRequestError,
  VaultNotFoundError,
  VaultPermissionDeniedError,
  VaultRateLimitError,
  VaultSealedError,
  VaultServerError,
  VaultTimeoutError,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, rejection } from '../helpers/harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('transport against the mock Vault', () => {
  it('sends X-Vault-Request, the token and the namespace on every call, login and renewals included', async () => {
    h = await createHarness({ mock: { namespaces: ['team-a'] }, role: { token_ttl: '1h' } });
    const client = h.client({ namespace: 'team-a' });
    await client.read('secret/data/myapp/config');
    await h.mock.clock.advance(2 * 3_600_000);
    const entries = h.mock.audit.entries();
    expect(entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(['auth/kubernetes/login', 'secret/data/myapp/config', 'auth/token/renew-self']),
    );
    for (const entry of entries) expect(entry.namespace).toBe('team-a');
    // A per-call namespace wins over the client's: team-b does not exist.
    await expect(client.read('secret/data/myapp/config', { namespace: 'team-b' })).rejects.toThrow(
      /namespace not found/,
    );
  });

  it('maps Vault errors to typed errors with Vault words and a hint', async () => {
    h = await createHarness();
    const client = h.client();
    const denied = (await rejection(
      client.read('secret/data/other'),
      h.errors,
    )) as VaultPermissionDeniedError;
    expect(denied).toBeInstanceOf(VaultPermissionDeniedError);
    expect(denied.status).toBe(403);
    expect(denied.errors).toEqual(['1 error occurred:\n\t* permission denied\n\n']);
    expect(denied.reasons).toEqual(['permission denied']);
    expect(denied.message).toContain('vault token capabilities secret/data/other');
    await h.mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "secret/*" { capabilities = ["read", "list", "create", "update"] }',
    });
    const missing = (await rejection(
      client.read('secret/data/myapp/nothing'),
      h.errors,
    )) as VaultNotFoundError;
    expect(missing).toBeInstanceOf(VaultNotFoundError);
    expect(missing.message).toContain('KV v2 reads go through');
    const bad = (await rejection(
      client.write('secret/data/myapp/x', { nodata: 1 }),
      h.errors,
    )) as VaultBadRequestError;
    expect(bad).toBeInstanceOf(VaultBadRequestError);
    expect(bad.reasons).toEqual(['no data provided']);
    expect(await client.list('secret/metadata/myapp')).toEqual(['config']);
    expect(await client.list('secret/metadata/empty-folder')).toEqual([]);
  });

  it('an HTML page from a proxy becomes a typed error with the status and its kind, never its bytes', async () => {
    h = await createHarness();
    const client = h.client({ retry: { maxRetries: 0 } });
    await client.start();
    h.mock.faults.htmlError({ path: 'secret/data/myapp/config', status: 502 });
    const e = (await rejection(client.read('secret/data/myapp/config'), h.errors)) as VaultServerError;
    expect(e).toBeInstanceOf(VaultServerError);
    expect(e.status).toBe(502);
    expect(e.message).toMatch(/an HTML page \(\d+ bytes\), not Vault's JSON.*proxy/);
    expect(e.message).not.toContain('Bad Gateway');
    expect(e.bodyExcerpt).toBeUndefined();
  });

  it('a body of the wrong shape is a typed error naming where, never a crash', async () => {
    h = await createHarness();
    let broken = false;
    const client = h.client({
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (!broken || !String((input as Request).url ?? input).endsWith('/login')) return res;
        return new Response(JSON.stringify({ auth: { client_token: 42, accessor: 'x' } }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    broken = true;
    const e = (await rejection(client.start(), h.errors)) as ResponseShapeError;
    expect(e).toBeInstanceOf(ResponseShapeError);
    expect(e.issues).toContain('auth.client_token: expected string');
    expect(e.message).not.toContain('42');
  });

  it('retries reads on 500 and 503 with backoff, but not a lease-creating read that may have reached Vault', async () => {
    h = await createHarness();
    const client = h.client();
    await client.start();
    h.mock.faults.failNext({ path: 'secret/data/myapp/config', status: 500, times: 2 });
    const read = client.read('secret/data/myapp/config');
    await h.mock.clock.advance(10_000);
    await read;
    expect(h.mock.audit.entries({ path: 'secret/data/myapp/config' }).map((e) => e.status)).toEqual([
      500, 500, 200,
    ]);

    await h.mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "database/*" { capabilities = ["read"] }',
    });
    h.mock.faults.failNext({ path: 'database/creds/app', status: 500 });
    const creds = rejection(client.read('database/creds/app'));
    await h.mock.clock.advance(10_000);
    expect(await creds).toBeInstanceOf(VaultServerError);
    expect(h.mock.audit.count({ path: 'database/creds/app' })).toBe(1);
    // 429 is refused before Vault does anything, so even a lease-creating read may go again.
    h.mock.faults.failNext({ path: 'database/creds/app', status: 429, retryAfter: 2 });
    const again = rejection(client.read('database/creds/app'));
    await h.mock.clock.advance(10_000);
    await again;
    expect(
      h.mock.audit
        .entries({ path: 'database/creds/app' })
        .map((e) => e.status)
        .slice(1, 3),
    ).toEqual([429, expect.any(Number)]);
  });

  it('honours Retry-After up to the cap, and gives up at once beyond it', async () => {
    h = await createHarness();
    const client = h.client({ retry: { maxRetryAfterMs: 5_000 } });
    await client.start();
    h.mock.faults.failNext({
      path: 'secret/data/myapp/config',
      status: 429,
      retryAfter: 3,
      errors: ['request path "secret/data/myapp/config": rate limit quota exceeded'],
    });
    const read = client.read('secret/data/myapp/config');
    await h.mock.clock.advance(2_900);
    expect(h.mock.audit.count({ path: 'secret/data/myapp/config' })).toBe(1);
    await h.mock.clock.advance(200);
    await read;
    const [first, second] = h.mock.audit.entries({ path: 'secret/data/myapp/config' });
    expect(second!.time - first!.time).toBe(3_000);
    h.mock.faults.failNext({ path: 'secret/data/myapp/config', status: 429, retryAfter: 60 });
    const e = (await rejection(client.read('secret/data/myapp/config'), h.errors)) as VaultRateLimitError;
    expect(e).toBeInstanceOf(VaultRateLimitError);
    expect(e.retryAfterMs).toBe(60_000);
  });

  it('a sealed Vault fails calls with the sealed error, then they recover once unsealed', async () => {
    h = await createHarness();
    const client = h.client({ retry: { maxRetries: 0 } });
    await client.start();
    h.mock.seal();
    const e = (await rejection(client.read('secret/data/myapp/config'), h.errors)) as VaultSealedError;
    expect(e).toBeInstanceOf(VaultSealedError);
    expect(e.message).toMatch(/sealed.*unseal/);
    h.mock.unseal();
    await client.read('secret/data/myapp/config');
  });

  it('times out one attempt, honours the caller signal, and refuses paths that escape their segment', async () => {
    h = await createHarness();
    const client = h.client({ retry: { maxRetries: 0 } });
    await client.start();
    h.mock.faults.latency(300, { path: 'secret/data/myapp/config', times: 1 });
    expect(await rejection(client.read('secret/data/myapp/config', { timeoutMs: 50 }))).toBeInstanceOf(
      VaultTimeoutError,
    );
    h.mock.faults.latency(300, { path: 'secret/data/myapp/config', times: 1 });
    const controller = new AbortController();
    const pending = client.read('secret/data/myapp/config', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    for (const path of [
      'secret/../sys/seal',
      'secret/%2e%2e/sys',
      'secret/data/x?version=1',
      'secret//x',
      '',
    ]) {
      expect(await rejection(client.read(path))).toBeInstanceOf(InvalidRequestError);
    }
    // Spaces and other characters are encoded, so the call reaches exactly the path named.
    await expect(client.read('secret/data/myapp/with space')).rejects.toBeInstanceOf(VaultNotFoundError);
    expect(h.mock.audit.entries().at(-1)!.path).toBe('secret/data/myapp/with space');
  });
});

describe('transport safety', () => {
  it('never follows a redirect, so the token cannot be carried to another host', async () => {
    h = await createHarness();
    let followed = false;
    const elsewhere = await import('node:http').then(({ createServer }) =>
      createServer((_req, res) => {
        followed = true;
        res.end('{}');
      }),
    );
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const port = (elsewhere.address() as { port: number }).port;
    const client = h.client({ retry: { maxRetries: 0 } });
    await client.start();
    h.mock.faults.failNext({
      path: 'secret/data/myapp/config',
      status: 307,
      headers: { location: `http://127.0.0.1:${port}/v1/secret/data/myapp/config` },
    });
    const e = (await rejection(client.read('secret/data/myapp/config'), h.errors)) as Error;
    expect(e.message).toMatch(/redirect \(307\).*does not follow redirects/);
    expect(followed).toBe(false);
    await new Promise((resolve) => elsewhere.close(resolve));
  });

  it('refuses a bad path before anything, a login included, is sent', async () => {
    h = await createHarness();
    const client = h.client();
    expect(await rejection(client.read('secret/../sys/seal'))).toBeInstanceOf(InvalidRequestError);
    expect(await rejection(client.secret('secret/%2e%2e/x'))).toBeInstanceOf(InvalidRequestError);
    expect(h.mock.audit.count()).toBe(0);
  });
});
