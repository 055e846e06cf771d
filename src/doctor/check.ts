/**
 * One line of the doctor's report. The JSON output is exactly `{ ok, checks: CheckResult[] }`,
 * so these four fields are a public format: add nothing without a reason.
 */
export interface CheckResult {
  /** Stable and machine-readable: `token-file`, `tls`, `login`, `path:secret/data/app`... */
  id: string;
  ok: boolean;
  /** What was found, in one or two sentences; never a token, a JWT or a secret value. */
  summary: string;
  /** What to change, for a failed check. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export function pass(id: string, summary: string): CheckResult {
  return { id, ok: true, summary };
}

export function fail(id: string, summary: string, fix: string): CheckResult {
  return { id, ok: false, summary, fix };
}

export function report(checks: readonly CheckResult[]): DoctorReport {
  return { ok: checks.every((c) => c.ok), checks: [...checks] };
}
