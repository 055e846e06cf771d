// A fresh process to its first secret, timed from spawn to exit, as a pod (or a CI job, or a
// CLI) lives it: Node starts, imports the library, logs in with the service-account token,
// reads one secret, closes, and exits. One child process per run, ours and node-vault
// interleaved, against one mock Vault in another child process; the parent times each child from
// spawn to its exit and takes the child's own CPU time and when it returned from close().
//   - spawn to exit: what the pod (or the job) waits;
//   - CPU: the child's user + system time, steadier than wall time on a busy machine;
//   - after close: from close() returning to the process having exited; anything left holding
//     the event loop (a socket, a timer, a compile in flight) shows here.
// Quick mode (--quick) takes fewer runs.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_PATH, startMockProcess } from '../lib/mock-process.mjs';
import { LABEL, times } from '../lib/peers.mjs';
import { emit, median, percentile, printTable, quick, round } from '../lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = quick ? 5 : 25;
const WARMUP = 2;
const SCRIPTS = {
  ours: join(here, '..', 'fixtures', 'first-secret-ours.mjs'),
  nodeVault: join(here, '..', 'fixtures', 'first-secret-node-vault.mjs'),
};
const WHO = Object.keys(SCRIPTS);

const mock = await startMockProcess();

function runOnce(who) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [SCRIPTS[who], mock.address, mock.tokenPath, CONFIG_PATH], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      const exitedAt = performance.timeOrigin + performance.now();
      if (code !== 0) return reject(new Error(`${who} exited with ${code}`));
      const report = JSON.parse(out.trim().split('\n').at(-1));
      resolve({ ms, cpuMs: report.cpuMs, afterCloseMs: Math.max(0, exitedAt - report.closedAt) });
    });
  });
}

const runs = Object.fromEntries(WHO.map((who) => [who, []]));
for (let i = 0; i < WARMUP + RUNS; i++) {
  // Alternate who goes first, so a busy spell falls on both alike.
  for (const who of i % 2 ? WHO : [...WHO].reverse()) {
    const r = await runOnce(who);
    if (i >= WARMUP) runs[who].push(r);
  }
}
await mock.close();

const result = Object.fromEntries(
  WHO.map((who) => {
    const list = runs[who];
    return [
      who,
      {
        medianMs: round(median(list.map((r) => r.ms))),
        p95Ms: round(
          percentile(
            list.map((r) => r.ms),
            95,
          ),
        ),
        cpuMedianMs: round(median(list.map((r) => r.cpuMs))),
        afterCloseMedianMs: round(median(list.map((r) => r.afterCloseMs))),
      },
    ];
  }),
);
const ratio = {
  time: times(result.ours.medianMs, result.nodeVault.medianMs),
  cpu: times(result.ours.cpuMedianMs, result.nodeVault.cpuMedianMs),
};

printTable(
  `Fresh process to first secret (spawn, import, login, read ${CONFIG_PATH}, close, exit); ${RUNS} runs each after ${WARMUP} warm-up, interleaved`,
  [
    ['', LABEL.ours, LABEL.nodeVault],
    ['spawn to exit, median ms', result.ours.medianMs, result.nodeVault.medianMs],
    ['spawn to exit, p95 ms', result.ours.p95Ms, result.nodeVault.p95Ms],
    ['child CPU, median ms', result.ours.cpuMedianMs, result.nodeVault.cpuMedianMs],
    ['close() to exit, median ms', result.ours.afterCloseMedianMs, result.nodeVault.afterCloseMedianMs],
    ['spawn to exit, x node-vault', ratio.time, 1],
    ['child CPU, x node-vault', ratio.cpu, 1],
  ],
);

emit('peers-first-secret', { runs: RUNS, quick, ...result, oursOverNodeVault: ratio });
