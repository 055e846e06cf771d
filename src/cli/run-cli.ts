import { parseArgs, UsageError } from './args';
import type { CliCommand, CliIo } from './command';

export const BIN = 'vault-kubernetes-client';

const HELP_FLAGS = new Set(['--help', '-h']);

/** The general usage: every command with its one-line summary. */
export function usage(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4) + 3;
  return [
    `Usage: ${BIN} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}This text, or a command's: ${BIN} help <command>`,
    '',
    `Run "${BIN} <command> --help" for a command's options.`,
    '',
  ].join('\n');
}

/** A command's usage: its description and options. */
export function commandUsage(command: CliCommand): string {
  const flags = command.options.map((o) => `--${o.name}${o.value ? ` <${o.value}>` : ''}`);
  const width = Math.max(...flags.map((f) => f.length), 6) + 3;
  return [
    `Usage: ${BIN} ${command.name}${command.options.length ? ' [options]' : ''}`,
    '',
    command.description,
    '',
    'Options:',
    ...command.options.map((o, i) => `  ${flags[i]!.padEnd(width)}${o.description}`),
    `  ${'--help'.padEnd(width)}This text`,
    '',
  ].join('\n');
}

/**
 * The CLI's dispatcher. Exit codes: 0 done (help included), 1 a command failed at run time,
 * 2 a usage mistake (no command, unknown command, unknown option, missing value). Help goes to
 * stdout; usage mistakes go to stderr. Nothing is started when help is asked for.
 */
export async function runCli(
  argv: readonly string[],
  commands: readonly CliCommand[],
  io: CliIo,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage(commands));
    return 2;
  }
  if (name === 'help' || HELP_FLAGS.has(name)) {
    const topic = rest[0] === undefined ? undefined : commands.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !topic) {
      io.stderr(`${BIN}: unknown command "${rest[0]}"\n\n${usage(commands)}`);
      return 2;
    }
    io.stdout(topic ? commandUsage(topic) : usage(commands));
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`${BIN}: unknown command "${name}"\n\n${usage(commands)}`);
    return 2;
  }
  if (rest.some((arg) => HELP_FLAGS.has(arg))) {
    io.stdout(commandUsage(command));
    return 0;
  }
  let args: ReturnType<typeof parseArgs>;
  try {
    args = command.ownArgs ? {} : parseArgs(rest, command.options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(
      `${BIN} ${command.name}: ${error.message}\nRun "${BIN} ${command.name} --help" for its options.\n`,
    );
    return 2;
  }
  try {
    return await command.run(args, io, rest);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `${BIN} ${command.name}: ${error.message}\nRun "${BIN} ${command.name} --help" for its options.\n`,
      );
      return 2;
    }
    io.stderr(`${BIN} ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
