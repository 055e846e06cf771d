import type { Args, OptionSpec } from './args';

/** Where a command writes: the process's streams, or a buffer in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * One entry of the CLI's command table (src/cli.ts). The dispatcher handles `--help`, unknown
 * options and missing values before `run` is called, so `run` only ever sees valid arguments.
 */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What the command does, a few lines, shown by `<command> --help`. */
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /**
   * The command parses its own arguments (it has repeatable options): the dispatcher still answers
   * `--help`, then hands `argv` over as given and `args` empty. A UsageError it throws exits 2.
   */
  readonly ownArgs?: boolean;
  /** The exit code: 0 done, 1 failed at run time. */
  run(args: Args, io: CliIo, argv: readonly string[]): Promise<number>;
}
