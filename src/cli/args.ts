export type Args = Record<string, string | boolean>;

/** `--name value`, `--name=value` and bare `--flag`; enough for this CLI's few options. */
export function parseArgs(argv: readonly string[]): Args {
  const args: Args = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) args[name] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) args[name] = argv[++i]!;
    else args[name] = true;
  }
  return args;
}

export function stringArg(args: Args, name: string, fallback: string): string {
  const value = args[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new Error(`--${name} needs a value`);
  return value;
}
