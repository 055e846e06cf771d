// What scrubbing costs per log line as the redactor learns secrets: every message, log field and
// event the client emits passes through it. A 200-character line (with one known secret in it,
// and without) scrubbed with 0, 100, 10,000 and 100,000 secrets remembered; beside it the obvious
// way (look for each known secret in turn, as the redactor did before), whose cost grows with the
// number of secrets. Runs the source through tsx (bench/run.mjs passes `--import tsx`).
import { performance } from 'node:perf_hooks';
import { Redactor } from '../src/internal/redact.ts';
import { emit, median, printTable, quick, round } from './lib/report.mjs';

const SIZES = quick ? [0, 100, 10_000] : [0, 100, 10_000, 100_000];
const LINES = quick ? 20_000 : 100_000;
const ROUNDS = 5;

const secret = (i) => `pw-${i.toString(36)}-${((i * 2654435761) >>> 0).toString(36)}-x`;
const clean =
  'vault request GET secret/data/myapp/config attempt 0 status 200 durationMs 3; renewing lease database/creds/app/AbCdEf123 in 2400000 ms (2/3 of its TTL, jitter 0.1)';

/** The redactor before this change: every known secret looked for in every line. */
class LinearRedactor {
  #secrets = new Set();
  addValues(values) {
    for (const v of values) if (v.length >= 6) this.#secrets.add(v);
  }
  text(value) {
    let out = value;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
}

function nsPerLine(redactor, line, lines = LINES) {
  let sink = '';
  for (let i = 0; i < lines / 10; i++) sink = redactor.text(line);
  const started = performance.now();
  for (let i = 0; i < lines; i++) sink = redactor.text(line);
  if (sink.length === 0) throw new Error('lost the line');
  return ((performance.now() - started) * 1e6) / lines;
}

const rows = [
  ['secrets known', 'ns/line (clean)', 'ns/line (one secret)', 'linear ns/line (clean)', 'heap MB'],
];
const figures = [];
for (const size of SIZES) {
  const values = Array.from({ length: size }, (_, i) => secret(i));
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const redactor = new Redactor();
  redactor.addValues(values);
  globalThis.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const linear = new LinearRedactor();
  linear.addValues(values);
  const dirty = `${clean.slice(0, 80)} ${size > 0 ? values[size >> 1] : 'no-secret-here'} ${clean.slice(80, 180)}`;
  const samples = { clean: [], dirty: [], linear: [] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.clean.push(nsPerLine(redactor, clean));
    samples.dirty.push(nsPerLine(redactor, dirty));
    // The linear way gets slow fast (about 2 ms a line at 10,000): fewer lines keep the run short.
    if (size <= 10_000) samples.linear.push(nsPerLine(linear, clean, size >= 10_000 ? 200 : LINES));
  }
  if (size > 0 && !redactor.text(dirty).includes('[redacted]'))
    throw new Error('the secret was not scrubbed');
  const row = {
    secrets: size,
    cleanNs: round(median(samples.clean)),
    secretNs: round(median(samples.dirty)),
    linearCleanNs: samples.linear.length ? round(median(samples.linear)) : null,
    heapMb: round(heapMb),
  };
  figures.push(row);
  rows.push([size.toLocaleString('en'), row.cleanNs, row.secretNs, row.linearCleanNs ?? '-', row.heapMb]);
}
printTable(
  `Redactor: one 200-character line, ${LINES.toLocaleString('en')} times, median of ${ROUNDS} rounds`,
  rows,
);
const at = (n) => figures.find((f) => f.secrets === n);
emit('redactor', {
  quick,
  lines: LINES,
  sizes: figures,
  at10kOverNone: round(at(10_000).cleanNs / at(0).cleanNs),
  linearAt10kOverOurs: at(10_000).linearCleanNs ? round(at(10_000).linearCleanNs / at(10_000).cleanNs) : null,
});
