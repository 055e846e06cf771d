import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MockVault, type MockVaultOptions, startMockVault } from 'vault-kubernetes-client/testing';
import { expect } from 'vitest';
import type { CheckResult, DoctorReport } from '../../src/doctor/check';
import { type DoctorOptions, parseDoctorArgs } from '../../src/doctor/doctor-options';
import { renderJson, renderText } from '../../src/doctor/render';
import { runDoctor } from '../../src/doctor/run-doctor';

export interface DoctorBench {
  mock: MockVault;
  tokenPath: string;
  /** Every credential that crossed the wire: none may appear in a report. */
  secrets: Set<string>;
  run(
    argv?: string[],
    more?: { env?: Record<string, string | undefined>; skewMs?: number },
  ): Promise<{ report: DoctorReport; skipped: string[]; text: string; json: string }>;
  close(): Promise<void>;
}

/**
 * A mock Vault set up as in the article (role myapp-role for default/myapp-sa, KV v2 at secret/,
 * a policy reading secret/data/myapp/*), a token file for the pod, and doctor run in-process
 * against it with a fetch that records every credential sent.
 */
export async function doctorBench(
  options: { mock?: MockVaultOptions; role?: Record<string, unknown>; setup?: boolean } = {},
): Promise<DoctorBench> {
  const mock = await startMockVault(options.mock);
  if (options.setup !== false) {
    await mock.setupKubernetesAuth({
      roleFields: { token_ttl: '1h', token_max_ttl: '24h', ...options.role },
    });
    await mock.write('sys/policies/acl/myapp-policy', {
      policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }',
    });
  }
  const tokenPath = await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
  const secrets = new Set<string>([mock.rootToken]);
  const recording: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input.clone() : new Request(input as string | URL, init);
    const token = request.headers.get('x-vault-token');
    if (token) secrets.add(token);
    const bearer = request.headers.get('authorization');
    if (bearer) secrets.add(bearer.replace(/^Bearer /, ''));
    const body = await request.text().catch(() => '');
    const jwt = /"jwt":"([^"]+)"/.exec(body)?.[1];
    if (jwt) secrets.add(jwt);
    const response = await fetch(input, init);
    const text = await response
      .clone()
      .text()
      .catch(() => '');
    const issued = /"client_token":"([^"]+)"/.exec(text)?.[1];
    if (issued) secrets.add(issued);
    return response;
  };
  return {
    mock,
    tokenPath,
    secrets,
    async run(argv = ['--role', 'myapp-role', '--token-path', tokenPath], more = {}) {
      const env = { VAULT_ADDR: mock.address, ...more.env };
      const options: DoctorOptions = parseDoctorArgs(argv, env);
      const { report, skipped } = await runDoctor(options, {
        env,
        fetch: recording,
        now: () => Date.now() + (more.skewMs ?? 0),
        timeoutMs: 3_000,
      });
      return { report, skipped, text: renderText(report, skipped), json: renderJson(report) };
    },
    close: () => mock.close(),
  };
}

/** Nothing doctor prints may hold a credential it read, sent or was given. */
export function expectNoSecrets(b: DoctorBench, ...outputs: string[]): void {
  expect(b.secrets.size).toBeGreaterThan(0);
  for (const out of outputs) {
    for (const secret of b.secrets) expect(out).not.toContain(secret);
    expect(out).not.toMatch(/hv[sb]\.[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{5,}\./);
  }
}

export function check(report: DoctorReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check "${id}" in: ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

/** Writes a file beside the token (the CA kubelet mounts as ca.crt, for instance). */
export async function besideToken(tokenPath: string, name: string, content: string): Promise<string> {
  const path = join(dirname(tokenPath), name);
  await writeFile(path, content);
  return path;
}

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** The command as a user runs it: its own process, stdout and exit code (from source, through tsx). */
export function doctor(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'doctor', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
