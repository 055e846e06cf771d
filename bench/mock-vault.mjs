#!/usr/bin/env node
// The mock Vault's own figures: start-plus-close time, and requests per second on loopback.
// Runs against the build (`npm run build` first). The load comes from a forked child process so
// that client and server do not share an event loop.
//
//   node bench/mock-vault.mjs [--runs 50] [--seconds 3] [--concurrency 32]

import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { emit, median, percentile, printTable, round } from './lib/report.mjs';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--load') {
  await runLoad(JSON.parse(process.argv[3]));
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '32' },
    },
  });
  const runs = Number(values.runs);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const { startMockVault } = await import('../dist/testing.js');

  // (a) start + close, one after another, as a test suite's beforeEach/afterEach would.
  await (await startMockVault()).close(); // warm the module and crypto caches
  const startClose = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    const mock = await startMockVault();
    await mock.close();
    startClose.push(performance.now() - began);
  }

  // (b) throughput: one mock in this process, the load from a child.
  const mock = await startMockVault();
  await mock.write('secret/data/bench/config', { data: { username: 'app', password: 's3cr3t' } });
  const targets = [
    { name: 'GET sys/health', path: '/v1/sys/health', token: undefined },
    { name: 'GET secret/data (KV v2, token)', path: '/v1/secret/data/bench/config', token: mock.rootToken },
  ];
  const throughput = [];
  for (const target of targets) {
    const result = await load({
      address: mock.address,
      path: target.path,
      token: target.token,
      seconds,
      concurrency,
    });
    throughput.push({ name: target.name, ...result });
  }
  await mock.close();

  printTable(`mock Vault: start+close over ${runs} runs (ms)`, [
    ['', 'median', 'p95'],
    ['startMockVault() + close()', median(startClose), percentile(startClose, 95)],
  ]);
  printTable(
    `mock Vault on loopback: ${concurrency} requests in flight for ${seconds} s (undici Pool, keep-alive)`,
    [
      ['request', 'req/s', 'requests', 'errors'],
      ...throughput.map((t) => [t.name, t.rps, t.completed, t.errors]),
    ],
  );
  emit('mock-vault', {
    node: process.version,
    startClose: { runs, medianMs: round(median(startClose)), p95Ms: round(percentile(startClose, 95)) },
    throughput: throughput.map((t) => ({
      request: t.name,
      rps: Math.round(t.rps),
      requests: t.completed,
      errors: t.errors,
      seconds: round(t.seconds),
      concurrency,
    })),
  });
}

function load(options) {
  return new Promise((resolve, reject) => {
    const child = fork(self, ['--load', JSON.stringify(options)], { stdio: 'inherit' });
    child.once('message', resolve);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load child exited with ${code}`));
    });
  });
}

/** The child: a keep-alive undici Pool, `concurrency` requests always in flight, for `seconds`. */
async function runLoad({ address, path, token, seconds, concurrency }) {
  const { Pool } = await import('undici');
  const pool = new Pool(address, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = token ? { 'x-vault-token': token } : {};
  let completed = 0;
  let errors = 0;
  let counting = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const { statusCode, body } = await pool.request({ path, method: 'GET', headers });
        await body.dump();
        if (counting && statusCode === 200) completed++;
        else if (counting) errors++;
      } catch {
        if (counting) errors++;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((resolve) => setTimeout(resolve, 300)); // warm-up: connections and JIT
  counting = true;
  const began = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - began) / 1000;
  stop = true;
  await Promise.all(workers);
  await pool.close();
  process.send({ completed, errors, seconds: elapsed, rps: completed / elapsed });
  process.disconnect();
}
