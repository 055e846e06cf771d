import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDefaultLogger, type LogSink } from '../../src/internal/logger';
import { runNode } from '../helpers/child-node';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sink(isTTY: boolean): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    isTTY,
    lines,
    write(chunk: string) {
      lines.push(chunk);
    },
  };
}

const fixedTime = () => new Date('2026-06-11T10:00:00.000Z');

/** Fields a careless or hostile caller could log: every one must still give one well-formed line. */
function hostileFields(): Record<string, unknown>[] {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  const getter = Object.defineProperty({}, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
  return [
    {},
    { path: 'secret/data/app', code: 'ERR_VAULT_SEALED' },
    { note: 'line one\nline two\r\n{"level":"error","msg":"forged"}' },
    { big: 10n, fn: () => 1, sym: Symbol('s') },
    { cycle },
    getter,
    Object.create(null) as Record<string, unknown>,
    { error: Object.assign(new Error('cause\nwith a newline'), { code: 'ECONNREFUSED' }) },
    { level: 'debug', msg: 'a field trying to overwrite the entry' },
    {
      toJSON() {
        throw new Error('no json');
      },
    },
  ];
}

describe('the default logger', () => {
  it('writes one JSON line per entry when stderr is not a terminal, whatever the fields hold', () => {
    const out = sink(false);
    const logger = createDefaultLogger(out, fixedTime);
    const fields = hostileFields();
    for (const f of fields) logger.warn(f, 'Vault is sealed\nsecond line');
    expect(out.lines).toHaveLength(fields.length);
    for (const line of out.lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({
        time: '2026-06-11T10:00:00.000Z',
        level: 'warn',
        name: 'vault-kubernetes-client',
        msg: 'Vault is sealed\nsecond line',
      });
    }
    expect(JSON.parse(out.lines[1]!)).toMatchObject({ path: 'secret/data/app', code: 'ERR_VAULT_SEALED' });
    expect(JSON.parse(out.lines[3]!)).toMatchObject({ big: '10' });
    expect(JSON.parse(out.lines[8]!)).toMatchObject({ level: 'warn', 'field.level': 'debug' });
  });

  it('writes a readable one-liner per entry on a terminal, with control characters escaped', () => {
    const out = sink(true);
    const logger = createDefaultLogger(out, fixedTime);
    for (const f of hostileFields()) logger.error(f, 'login failed\n(forged line)');
    for (const line of out.lines) {
      expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
      expect(line).toMatch(
        /^2026-06-11T10:00:00.000Z ERROR vault-kubernetes-client: login failed\\n\(forged line\)/,
      );
    }
    expect(out.lines[1]).toContain('(path=secret/data/app code=ERR_VAULT_SEALED)');
  });

  it('is what a client without a logger writes to stderr: JSON lines in a container', async () => {
    // A child process whose stderr is a pipe, as in a pod: a client that cannot reach Vault logs.
    const script = `
      import { VaultKubernetesClient } from ${JSON.stringify(join(root, 'src/index.ts'))};
      const vault = new VaultKubernetesClient({
        address: 'http://127.0.0.1:1', auth: { method: 'token', token: 'hvs.child-token-000' },
        retry: { maxRetries: 0 }, logLevel: 'debug',
      });
      await vault.read('secret/data/app').catch(() => undefined);
      await vault.close();
    `;
    const { code, stderr } = await runNode(['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, VAULT_ADDR: '', VAULT_TOKEN: '' },
    });
    expect(code, stderr).toBe(0);
    const lines = stderr.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry.name).toBe('vault-kubernetes-client');
      expect(['debug', 'info', 'warn', 'error']).toContain(entry.level);
    }
    expect(stderr).not.toContain('hvs.child-token-000');
  }, 60_000);
});
