import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor';
import { doctor } from '../doctor/support';

/*
 * README "Doctor", attacked with what stands at a wrong VAULT_ADDR (a proxy's HTML page, another
 * service's JSON, a Vault behind a proxy that fails logins) and token paths that are not files.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'doctor-edge-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await rm(work, { recursive: true, force: true });
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const options = (tokenPath: string) => ({
  role: 'myapp-role',
  mount: 'kubernetes',
  tokenPath,
  paths: [],
  json: true,
  kubernetesHost: undefined,
});

/** A Date header two hours off this machine's clock: any clock comparison against it fails. */
const farDate = () => new Date(Date.now() - 2 * 3_600_000).toUTCString();

const proxyPage: Handler = (_req, res) => {
  res.writeHead(502, { 'content-type': 'text/html', date: farDate() });
  res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
};

const NOT_VAULT: [string, Handler][] = [
  ["a proxy's HTML error page (502)", proxyPage],
  [
    'an HTML page answered 200 (an ingress default backend)',
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', date: farDate() });
      res.end('<!doctype html><title>Welcome</title>');
    },
  ],
  [
    "another service's JSON",
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', date: farDate() });
      res.end('{"status":"UP"}');
    },
  ],
  [
    'an empty 204',
    (_req, res) => {
      res.writeHead(204, { date: farDate() });
      res.end();
    },
  ],
];

describe('edge: doctor against something that is not Vault', () => {
  it.each(NOT_VAULT)(
    '%s fails health and judges no clock against its Date header',
    async (_name, handler) => {
      const address = await serve(handler);
      const { report, skipped } = await runDoctor(options(join(work, 'missing')), {
        env: { VAULT_ADDR: address },
        timeoutMs: 2_000,
      });
      const ids = report.checks.map((c) => c.id);
      expect(report.checks.find((c) => c.id === 'health')?.ok).toBe(false);
      expect(report.checks.find((c) => c.id === 'health')?.summary).toMatch(/not Vault's/);
      // Before: a PASS or FAIL "clock-skew" measured against the proxy's clock.
      expect(ids).not.toContain('clock-skew');
      expect(skipped).toContain('clock-skew');
      expect(report.ok).toBe(false);
    },
  );

  it("a real Vault's Date header is still compared (the check is not lost)", async () => {
    const mock = await startMockVault();
    try {
      const { report } = await runDoctor(options(join(work, 'missing')), {
        env: { VAULT_ADDR: mock.address },
        timeoutMs: 2_000,
      });
      expect(report.checks.find((c) => c.id === 'clock-skew')?.ok).toBe(true);
    } finally {
      await mock.close();
    }
  });
});

describe('edge: doctor with a token path that is not a token file', () => {
  const cases: [string, (path: string) => Promise<void>, RegExp][] = [
    ['a directory', (p) => mkdir(p), /is a directory/],
    [
      'a named pipe',
      async (p) => {
        await new Promise<void>((resolve, reject) =>
          spawn('mkfifo', [p]).once('exit', (code) => (code === 0 ? resolve() : reject(new Error('mkfifo')))),
        );
      },
      /named pipe/,
    ],
  ];
  it.each(cases)(
    '%s: the fix says to point at the file, not to check permissions',
    async (_name, make, what) => {
      const tokenPath = join(work, 'token');
      await make(tokenPath);
      const mock = await startMockVault();
      try {
        const { report } = await runDoctor(options(tokenPath), {
          env: { VAULT_ADDR: mock.address },
          timeoutMs: 2_000,
        });
        const check = report.checks.find((c) => c.id === 'token-file');
        expect(check?.ok).toBe(false);
        expect(check?.summary).toMatch(what);
        expect(check?.fix).toMatch(/token file itself/);
        expect(check?.fix).not.toMatch(/owner and mode/);
      } finally {
        await mock.close();
      }
    },
  );

  it('a huge file is refused unread, and named for what it is', async () => {
    const tokenPath = join(work, 'token');
    await writeFile(tokenPath, '');
    await truncate(tokenPath, 16 * 1024 * 1024);
    const { report } = await runDoctor(options(tokenPath), {
      env: { VAULT_ADDR: 'http://127.0.0.1:9' },
      timeoutMs: 1_000,
    });
    expect(report.checks.find((c) => c.id === 'token-file')?.summary).toMatch(/16777216 bytes/);
  });
});

describe('edge: doctor --json stays one JSON document', () => {
  it('against a proxy page with a token path that is a directory: stdout parses, exit 1, stderr silent', async () => {
    const address = await serve(proxyPage);
    await mkdir(join(work, 'dir'));
    const { code, stdout, stderr } = await doctor(
      ['--role', 'r', '--token-path', join(work, 'dir'), '--json'],
      {
        VAULT_ADDR: address,
      },
    );
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const parsed = JSON.parse(stdout) as { ok: boolean; checks: { id: string; ok: boolean }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.checks.map((c) => c.id)).toEqual(['config', 'token-file', 'dns', 'tcp', 'tls', 'health']);
  }, 30_000);
});
