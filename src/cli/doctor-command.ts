import { parseDoctorArgs } from '../doctor/doctor-options';
import { renderJson, renderText } from '../doctor/render';
import { runDoctor } from '../doctor/run-doctor';

/**
 * `vault-kubernetes-client doctor`: exit 0 when every check passed, 1 when one failed, 2 for a
 * usage error. With --json, stdout carries the report and nothing else.
 */
export async function runDoctorCommand(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseDoctorArgs>;
  try {
    options = parseDoctorArgs(argv, process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const { report, skipped } = await runDoctor(options, { env: process.env });
  process.stdout.write(options.json ? renderJson(report) : renderText(report, skipped));
  return report.ok ? 0 : 1;
}
