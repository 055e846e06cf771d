import { type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, expectErrors } from './support/vault';

/** Failures a client must survive, arranged on purpose through `mock.faults`. */
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault();
  await call(mock, 'POST', 'secret/data/app', { data: { a: '1' } });
  mock.audit.clear();
});
afterEach(async () => {
  await mock.close();
});

const read = (path = 'secret/data/app') => call(mock, 'GET', path);
const INTERNAL = '1 error occurred:\n\t* internal error\n\n';

describe('failNext', () => {
  it('fails the next request with a 500 by default, then answers normally', async () => {
    mock.faults.failNext();
    expectErrors(await read(), 500, [INTERNAL]);
    expect((await read()).status).toBe(200);
  });

  it('sends the given status, errors and Retry-After for the given number of requests', async () => {
    mock.faults.failNext({ status: 503, errors: ['Vault is sealed'], retryAfter: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await read();
      expectErrors(res, 503, ['Vault is sealed']);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    expect((await read()).status).toBe(200);
  });

  it('matches an exact path, a prefix ending in *, a RegExp, and a method', async () => {
    mock.faults.failNext({ path: 'secret/data/other', status: 502 });
    mock.faults.failNext({ path: '/v1/auth/token/*', status: 429 });
    mock.faults.failNext({ path: /^sys\/le/, status: 504, method: 'put' });
    expect((await read()).status).toBe(200);
    expect((await call(mock, 'GET', 'sys/leases/lookup/')).status).not.toBe(504); // wrong method
    expect((await call(mock, 'GET', 'auth/token/lookup-self')).status).toBe(429);
    expect((await call(mock, 'PUT', 'sys/leases/lookup', { lease_id: 'x' })).status).toBe(504);
    expect((await read('secret/data/other')).status).toBe(502);
    expect((await read('secret/data/other')).status).toBe(404);
  });

  it('keeps failing with times: Infinity until cleared', async () => {
    mock.faults.failNext({ status: 500, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 3; i++) expect((await read()).status).toBe(500);
    mock.faults.clear();
    expect((await read()).status).toBe(200);
  });
});

describe('latency', () => {
  it('delays matching answers in real time without holding up others', async () => {
    mock.faults.latency(50, { path: 'secret/data/app', times: 1 });
    const order: string[] = [];
    const slow = read().then((res) => order.push(`slow ${res.status}`));
    const fast = call(mock, 'GET', 'sys/health', undefined, { token: null }).then((res) =>
      order.push(`fast ${res.status}`),
    );
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast 200', 'slow 200']);
    expect(mock.audit.entries({ path: 'secret/data/app' })[0]).toMatchObject({
      status: 200,
      fault: 'latency',
    });
  });
});

describe('connection resets', () => {
  it('destroys the connection before any answer: fetch rejects', async () => {
    mock.faults.resetConnection({ path: 'secret/data/app' });
    await expect(read()).rejects.toThrow();
    expect((await read()).status).toBe(200);
  });

  it('destroys the connection mid-body: the headers arrive, the body read rejects', async () => {
    mock.faults.resetConnection({ path: 'secret/data/app', afterHeaders: true });
    const res = await fetch(`${mock.address}/v1/secret/data/app`, {
      headers: { 'X-Vault-Token': mock.rootToken },
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect((await read()).status).toBe(200);
  });
});

describe('HTML errors', () => {
  it('answers with an HTML page, as a proxy in front of Vault would', async () => {
    mock.faults.htmlError({ status: 504 });
    const res = await read();
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.text).toMatch(/^<html>/);
    expect(res.body).toBeUndefined(); // not JSON
  });
});

describe('rate limit', () => {
  it('answers 429 past the quota with Vault’s message and headers, until the window passes', async () => {
    mock.faults.rateLimit(2, 10_000);
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(200);
    const limited = await read();
    expectErrors(limited, 429, ['request path "secret/data/app": rate limit quota exceeded']);
    expect({
      limit: limited.headers.get('x-ratelimit-limit'),
      remaining: limited.headers.get('x-ratelimit-remaining'),
      reset: limited.headers.get('x-ratelimit-reset'),
      retryAfter: limited.headers.get('retry-after'),
    }).toEqual({ limit: '2', remaining: '0', reset: '10', retryAfter: '10' });
    // Vault exempts sys/health from rate-limit quotas.
    expect((await call(mock, 'GET', 'sys/health', undefined, { token: null })).status).toBe(200);
    await mock.clock.advance(4000);
    expect((await read()).headers.get('retry-after')).toBe('6');
    await mock.clock.advance(6000);
    expect((await read()).status).toBe(200);
  });
});

describe('the audit log', () => {
  it('records each injected fault with its kind', async () => {
    mock.faults.failNext({ status: 503 });
    mock.faults.htmlError();
    await read();
    await read();
    mock.faults.resetConnection();
    await read().catch(() => undefined);
    mock.faults.rateLimit(0);
    await read();
    expect(mock.audit.entries().map((e) => [e.fault, e.status, e.path])).toEqual([
      ['fail', 503, 'secret/data/app'],
      ['html', 502, 'secret/data/app'],
      ['reset', 0, 'secret/data/app'],
      ['rate-limit', 429, 'secret/data/app'],
    ]);
  });
});
