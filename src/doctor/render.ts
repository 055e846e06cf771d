import type { DoctorReport } from './check';

/** `--json`: the report and nothing else, so `doctor --json | jq` always parses. */
export function renderJson(report: DoctorReport): string {
  const checks = report.checks.map(({ id, ok, summary, fix }) => ({
    id,
    ok,
    summary,
    ...(fix !== undefined ? { fix } : {}),
  }));
  return `${JSON.stringify({ ok: report.ok, checks }, null, 2)}\n`;
}

/** The readable checklist: one line per check, the fix indented under a failure. */
export function renderText(report: DoctorReport, skipped: readonly string[] = []): string {
  const width = Math.max(0, ...report.checks.map((c) => c.id.length));
  const lines = ['vault-kubernetes-client doctor', ''];
  for (const check of report.checks) {
    lines.push(`${check.ok ? 'PASS' : 'FAIL'}  ${check.id.padEnd(width)}  ${check.summary}`);
    if (!check.ok && check.fix) lines.push(`      ${' '.repeat(width)}  fix: ${check.fix}`);
  }
  lines.push('');
  const failed = report.checks.filter((c) => !c.ok).length;
  if (skipped.length > 0) lines.push(`Not run, because an earlier check failed: ${skipped.join(', ')}.`);
  lines.push(
    failed === 0
      ? `All ${report.checks.length} checks passed.`
      : `${failed} of ${report.checks.length} checks failed.`,
  );
  return `${lines.join('\n')}\n`;
}
