import { parseDoctorArgs } from '../doctor/doctor-options';
import { renderJson, renderText } from '../doctor/render';
import { runDoctor } from '../doctor/run-doctor';
import { UsageError } from './args';
import type { CliCommand } from './command';

/**
 * `vault-kubernetes-client doctor`: exit 0 when every check passed, 1 when one failed, 2 for a
 * usage error. With --json, stdout carries the report and nothing else.
 */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Walk through the usual failures of Kubernetes auth, in order, and say how to fix each',
  description: [
    'Checks the service-account token file, the address (DNS, TCP, TLS, health, clock skew), the',
    "login (diagnosed), the token's policies and capabilities on each --path, and lease settings.",
    'Reads VAULT_ADDR, VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY,',
    'VAULT_TLS_SERVER_NAME, VAULT_SKIP_VERIFY, VAULT_NAMESPACE and VAULT_TOKEN like the vault CLI.',
    'Exits 1 when a check fails.',
  ].join('\n'),
  options: [
    {
      name: 'role',
      value: 'role',
      description: 'the Vault role to log in with (without it: check VAULT_TOKEN)',
    },
    {
      name: 'mount',
      value: 'path',
      description: 'where the Kubernetes auth method is mounted (default kubernetes)',
    },
    {
      name: 'token-path',
      value: 'file',
      description: "the service-account token (default the pod's projected token)",
    },
    {
      name: 'path',
      value: 'vault-path',
      description: 'a path the app needs, checked with sys/capabilities-self (repeatable)',
    },
    {
      name: 'kubernetes-host',
      value: 'url',
      description: 'the Kubernetes API (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)',
    },
    { name: 'json', description: 'print { ok, checks: [{ id, ok, summary, fix? }] } and nothing else' },
  ],
  ownArgs: true,
  async run(_args, io, argv) {
    let options: ReturnType<typeof parseDoctorArgs>;
    try {
      options = parseDoctorArgs(argv, process.env);
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^doctor: /, ''));
    }
    const { report, skipped } = await runDoctor(options, { env: process.env });
    io.stdout(options.json ? renderJson(report) : renderText(report, skipped));
    return report.ok ? 0 : 1;
  },
};
