/** One option a command accepts: `--name <value>` when `value` names the value, else a bare flag. */
export interface OptionSpec {
  readonly name: string;
  /** What the value is called in the usage (`--port <n>`); absent for a flag. */
  readonly value?: string;
  readonly description: string;
}

export type Args = Record<string, string | boolean>;

/** A mistake on the command line: the CLI prints it with a pointer to `--help` and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * `--name value`, `--name=value` and bare `--flag`, checked against the command's options so a
 * typo (`--prot 8200`) is an error rather than silently ignored.
 */
export function parseArgs(argv: readonly string[], options: readonly OptionSpec[]): Args {
  const byName = new Map(options.map((o) => [o.name, o]));
  const args: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.value === undefined) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      args[name] = true;
      continue;
    }
    const next = argv[i + 1];
    const value =
      eq !== -1 ? arg.slice(eq + 1) : next !== undefined && !next.startsWith('--') ? next : undefined;
    if (value === undefined) throw new UsageError(`--${name} needs a value (${spec.value})`);
    if (eq === -1) i++;
    args[name] = value;
  }
  return args;
}

export function stringArg(args: Args, name: string, fallback: string): string {
  const value = args[name];
  return typeof value === 'string' ? value : fallback;
}
