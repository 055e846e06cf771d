import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runNode } from '../helpers/child-node';
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
      const exit = await runNode([script, h.mock.address, h.tokenPath], { killAfterMs: KILL_AFTER_MS });
      const { stdout, stderr } = exit;
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
      const timing = `the child's event loop ran dry ${report.loopDrainedAt - report.closedAt} ms after close() and it exited after ${exit.exitedAt - report.closedAt} ms`;
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
