#!/usr/bin/env node
import { parseArgs } from './cli/args';
import { runDemo } from './cli/demo';
import { runDoctorCommand } from './cli/doctor-command';
import { runMockVault } from './cli/mock-vault-command';
import { DOCTOR_USAGE } from './doctor/doctor-options';

const USAGE = `vault-kubernetes-client <command> [options]

Commands:
  mock-vault   Run the mock Vault in the foreground, like \`vault server -dev\`
                 --port <n>            port on 127.0.0.1 (default 8200; 0 picks a free one)
                 --host <addr>         address to listen on (default 127.0.0.1)
                 --root-token <token>  root token (default "root")
                 --tls                 serve HTTPS from a generated CA (its PEM is written to a file)
                 --mtls                like --tls, and require client certificates
                 --service-account <namespace/name>
                                       who the printed service-account token file is for (default default/myapp-sa)
  demo         Walk through the article's setup on an embedded mock Vault and run the client
                 --fast                no pauses between steps
${DOCTOR_USAGE}  help         This text
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  switch (command) {
    case 'mock-vault':
      return runMockVault(args);
    case 'demo':
      return runDemo(args);
    case 'doctor':
      return runDoctorCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
