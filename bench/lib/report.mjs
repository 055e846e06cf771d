// Small helpers every bench shares: order statistics and the output format
// (a human-readable table, then one JSON line that bench/run.mjs collects).

/** `--quick`: the headline figures in under 90 s (`npm run bench -- --quick`); each bench scales itself down. */
export const quick = process.argv.includes('--quick');

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 50);

/** Rounds for display and for the JSON line: 3 significant digits is all these figures carry. */
export function round(value, digits = 3) {
  if (!Number.isFinite(value) || value === 0) return value;
  const scale = 10 ** Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}

/** Prints rows (arrays of cells) as an aligned table; the first row is the header. Numbers align right. */
export function printTable(title, rows) {
  const text = rows.map((row) =>
    row.map((cell) => (typeof cell === 'number' ? String(round(cell)) : String(cell))),
  );
  const widths = text[0].map((_, i) => Math.max(...text.map((row) => (row[i] ?? '').length)));
  const numeric = text[0].map((_, i) =>
    rows.slice(1).every((row) => typeof row[i] === 'number' || /^[\d.,() -]+$/.test(row[i])),
  );
  const line = (row) =>
    row
      .map((cell, i) => (numeric[i] && i > 0 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(text[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of text.slice(1)) console.log(line(row));
}

/** The last line of every bench: what bench/run.mjs reads. */
export function emit(bench, figures) {
  console.log(JSON.stringify({ bench, ...figures }));
}
