import { connect } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, type HostileVault, reply, startHostileVault } from './server';

let vault: HostileVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

const get = (path: string, headers: Record<string, string> = {}) =>
  request(`${vault!.address}/v1/${path}`, { headers, reset: true });

describe('the hostile Vault harness answers exactly what a test asks for', () => {
  it('routes by path, prefix, RegExp and method, newest first, `times` then gone, 404 otherwise', async () => {
    vault = await startHostileVault();
    vault.route('secret/*', reply.kv2({ a: 'b' }));
    vault.route('secret/data/x', reply.errors(500, ['boom']), { times: 1 });
    vault.route(/^sys\//, { status: 204 }, { method: 'POST' });
    expect((await get('secret/data/x')).statusCode).toBe(500);
    const second = await get('secret/data/x');
    expect(second.statusCode).toBe(200);
    expect(((await second.body.json()) as { data: { data: unknown } }).data.data).toEqual({ a: 'b' });
    expect((await get('sys/health')).statusCode).toBe(404);
    expect((await request(`${vault.address}/v1/sys/x`, { method: 'POST', body: '{"k":1}' })).statusCode).toBe(
      204,
    );
    expect(vault.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET secret/data/x',
      'GET secret/data/x',
      'GET sys/health',
      'POST sys/x',
    ]);
    expect(vault.requests[3]!.body).toBe('{"k":1}');
  });

  it('cuts a body short, resets, and streams a body far larger than memory would hold at once', async () => {
    vault = await startHostileVault();
    vault.route('cut', { body: '{"data":{"password":"hun', truncate: true });
    vault.route('reset', { reset: 'after-headers', body: '{"da' });
    vault.route('big', { stream: { bytes: 50 * 1024 * 1024, prefix: '{"data":"' } });
    const cut = await get('cut');
    await expect(cut.body.text()).rejects.toThrow();
    const reset = await get('reset');
    await expect(reset.body.text()).rejects.toThrow();
    const big = await get('big');
    expect(Number(big.headers['content-length'])).toBe(50 * 1024 * 1024 + 9);
    let received = 0;
    for await (const chunk of big.body) received += (chunk as Buffer).length;
    expect(received).toBe(50 * 1024 * 1024 + 9);
  });

  it('stalls until closed, counts connections, takes raw TCP connections over, and lends a refused port', async () => {
    vault = await startHostileVault();
    vault.route('stall', { stall: 'before-headers' });
    const stalled = get('stall').then(
      () => 'answered',
      () => 'failed',
    );
    await vault.waitForRequests(1);
    expect(vault.connections().open).toBe(1);
    vault.onConnection((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const banner = await new Promise<string>((resolve) => {
      const socket = connect(vault!.port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => {
        text += d;
      });
      socket.on('close', () => resolve(text));
    });
    expect(banner).toContain('SSH-2.0');
    await vault.close();
    expect(await stalled).toBe('failed');
    vault = undefined;
    const port = await closedPort();
    await expect(request(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('speaks TLS with its own CA when asked', async () => {
    vault = await startHostileVault({ tls: true });
    expect(vault.address).toMatch(/^https:/);
    expect(vault.ca).toContain('BEGIN CERTIFICATE');
    await expect(get('x')).rejects.toThrow();
  });
});
