import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { call, DENIED, enableAuth, expectErrors } from './support/vault';

/**
 * The dev server as a user runs it, from the built bin. It needs `npm run build` first, so it is
 * skipped on a tree that has not been built.
 */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Running {
  child: ChildProcess;
  address: string;
  token: string;
  tokenFile: string;
  stdout: () => string;
  exited: Promise<number | null>;
}

async function startCli(...args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'mock-vault', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.includes('Press Ctrl+C')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`mock-vault exited with ${code}: ${err}${out}`)));
  });
  const field = (pattern: RegExp) => {
    const match = pattern.exec(out);
    if (!match) throw new Error(`no ${pattern} in:\n${out}`);
    return match[1]!;
  };
  return {
    child,
    address: field(/VAULT_ADDR=(\S+)/),
    token: field(/VAULT_TOKEN=(\S+)/),
    tokenFile: field(/Service-account token file \([^)]*\): (\S+)/),
    stdout: () => out,
    exited,
  };
}

describe.skipIf(!existsSync(CLI))('vault-kubernetes-client mock-vault (built CLI)', () => {
  it('prints the real address for --port 0 and serves the article’s login with the printed token file', async () => {
    const cli = await startCli('--port', '0', '--root-token', 'root');
    expect(cli.address).toMatch(/^http:\/\/127\.0\.0\.1:(\d+)$/);
    expect(cli.address).not.toMatch(/:0$/);
    expect(cli.token).toBe('root');
    const vault = { address: cli.address, rootToken: cli.token };

    const health = await call(vault, 'GET', 'sys/health', undefined, { token: null });
    expect([health.status, health.body.sealed]).toEqual([200, false]);

    await enableAuth(vault, 'kubernetes');
    const caFile = /Kubernetes CA for auth\/kubernetes\/config: (\S+)/.exec(cli.stdout())?.[1];
    const config = await call(vault, 'POST', 'auth/kubernetes/config', {
      kubernetes_host: 'https://kubernetes.default.svc',
      kubernetes_ca_cert: caFile ? readFileSync(caFile, 'utf8') : undefined,
    });
    expect(config.status).toBe(204);
    await call(vault, 'PUT', 'sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
    });
    await call(vault, 'POST', 'auth/kubernetes/role/myapp-role', {
      bound_service_account_names: 'myapp-sa',
      bound_service_account_namespaces: 'default',
      policies: 'myapp-policy',
      ttl: '24h',
    });
    await call(vault, 'POST', 'secret/data/myapp/config', { data: { password: 'p' } });

    const jwt = readFileSync(cli.tokenFile, 'utf8').trim();
    const login = await call(
      vault,
      'POST',
      'auth/kubernetes/login',
      { role: 'myapp-role', jwt },
      { token: null },
    );
    expect(login.status, login.text).toBe(200);
    const token: string = login.body.auth.client_token;
    expect(
      (await call(vault, 'GET', 'secret/data/myapp/config', undefined, { token })).body.data.data,
    ).toEqual({
      password: 'p',
    });
    expectErrors(await call(vault, 'GET', 'secret/data/other', undefined, { token }), 403, [DENIED]);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('Mock Vault stopped.');
    expect(existsSync(cli.tokenFile)).toBe(false);
  });

  it('stops cleanly on SIGINT too, freeing its port', async () => {
    const cli = await startCli('--port', '0');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/Mock Vault stopped\.\n$/);
    await expect(fetch(`${cli.address}/v1/sys/health`)).rejects.toThrow();
  });

  it('exits with an error instead of hanging when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const child = spawn(process.execPath, [CLI, 'mock-vault', '--port', String(port)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let err = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString('utf8');
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(err).toContain('EADDRINUSE');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
