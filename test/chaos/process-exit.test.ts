import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness';

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/use-and-close.mjs', import.meta.url));
/** Far beyond the 1 s asserted: only there so a child that never exits cannot hang the suite. */
const KILL_AFTER_MS = 20_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

describe('the process-level exit check (built package)', () => {
  it.skipIf(!existsSync(dist))(
    'a script that logs in, reads, watches and closes its client exits by itself once closed (the time it takes is printed)',
    async () => {
      h = await createHarness({
        policy: [
          'path "secret/data/myapp/*" { capabilities = ["read"] }',
          'path "database/creds/app" { capabilities = ["read"] }',
          'path "sys/leases/revoke" { capabilities = ["update"] }',
        ].join('\n'),
        database: {},
      });
      const child = spawn(process.execPath, [script, h.mock.address, h.tokenPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exit = await new Promise<{ code: number | null; at: number; killed: boolean }>((resolve) => {
        const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        let exitedAt = 0;
        child.on('exit', () => {
          exitedAt = Date.now();
        });
        // 'close' comes once the child's output is all read, so parse then; time from 'exit'.
        child.on('close', (code, signal) => {
          clearTimeout(killer);
          resolve({ code, at: exitedAt || Date.now(), killed: signal === 'SIGKILL' });
        });
      });
      expect(exit.killed, `the child did not exit within ${KILL_AFTER_MS} ms; stderr: ${stderr}`).toBe(false);
      expect(exit.code, `stderr: ${stderr}`).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const report = Object.assign({}, ...lines) as {
        closedAt: number;
        loopDrainedAt: number;
        kv: number;
        leased: boolean;
        seen: number;
      };
      expect(report).toMatchObject({ kv: 1, leased: true, seen: 1 });
      const timing = `the child's event loop ran dry ${report.loopDrainedAt - report.closedAt} ms after close() and it exited after ${exit.at - report.closedAt} ms`;
      console.log(`process exit: ${timing}`);
      // Exiting on its own (not killed, the 'exit' event reached) is the property; how fast that is
      // on this machine is a figure, printed above and reported, not asserted: timings flake under load.
      expect(report.loopDrainedAt, timing).toBeGreaterThanOrEqual(report.closedAt);
      // close({ revoke: true }) took its lease and token along.
      expect(h.mock.leases()).toEqual([]);
      expect(h.mock.audit.count({ path: 'auth/token/revoke-self' })).toBe(1);
    },
  );
});
