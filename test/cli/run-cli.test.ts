import { describe, expect, it, vi } from 'vitest';
import type { CliCommand } from '../../src/cli/command';
import { commands } from '../../src/cli/commands';
import { runCli } from '../../src/cli/run-cli';

async function cli(argv: string[], table: readonly CliCommand[] = commands) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, table, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

/** A command that records whether it ran, to prove help and usage errors start nothing. */
function spyCommand(): CliCommand & { run: ReturnType<typeof vi.fn> } {
  return {
    name: 'serve',
    summary: 'serve something',
    description: 'Serves something.',
    options: [
      { name: 'port', value: 'n', description: 'the port' },
      { name: 'tls', description: 'use TLS' },
    ],
    run: vi.fn(async () => 0),
  };
}

describe('the CLI dispatcher', () => {
  it('with no command, prints the usage to stderr and exits 2', async () => {
    const out = await cli([]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^Usage: vault-kubernetes-client <command>/);
    for (const command of commands) expect(out.stderr).toContain(`  ${command.name} `);
  });

  it.each([['--help'], ['-h'], ['help']])('"%s" prints the usage to stdout and exits 0', async (flag) => {
    const out = await cli([flag]);
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(out.stdout).toMatch(/^Usage: vault-kubernetes-client <command>/);
    for (const command of commands) expect(out.stdout).toContain(command.summary);
  });

  it('an unknown command exits 2 and says which, on stderr', async () => {
    const out = await cli(['mock-valut']);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('unknown command "mock-valut"');
    expect((await cli(['help', 'nope'])).code).toBe(2);
  });

  it.each(commands.map((c) => [c.name, c] as const))(
    '"%s --help" and "help %s" print its usage and every option on stdout, exit 0',
    async (name, command) => {
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
        [name, '--port', '1', '--help'],
      ]) {
        const out = await cli(argv);
        expect([out.code, out.stderr]).toEqual([0, '']);
        expect(out.stdout).toMatch(new RegExp(`^Usage: vault-kubernetes-client ${name}\\b`));
        for (const option of command.options) expect(out.stdout).toContain(`--${option.name}`);
      }
    },
  );

  it('--help never runs the command, whatever else is on the line', async () => {
    const serve = spyCommand();
    for (const argv of [
      ['serve', '--help'],
      ['serve', '--port', '8200', '-h'],
      ['serve', '--bogus', '--help'],
    ]) {
      const out = await cli(argv, [serve]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('--port <n>');
    }
    expect(serve.run).not.toHaveBeenCalled();
  });

  it.each([
    [['serve', '--prot', '8200'], 'unknown option --prot'],
    [['serve', '--port'], '--port needs a value (n)'],
    [['serve', '--tls=yes'], '--tls takes no value'],
    [['serve', 'extra'], 'unexpected argument "extra"'],
  ])('%j is a usage error: exit 2, the reason on stderr, nothing run', async (argv, reason) => {
    const serve = spyCommand();
    const out = await cli(argv, [serve]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(reason);
    expect(out.stderr).toContain('Run "vault-kubernetes-client serve --help"');
    expect(serve.run).not.toHaveBeenCalled();
  });

  it('passes parsed options to the command and returns its exit code; a failure exits 1', async () => {
    const serve = spyCommand();
    serve.run.mockResolvedValueOnce(0);
    expect((await cli(['serve', '--port=8200', '--tls'], [serve])).code).toBe(0);
    expect(serve.run.mock.calls[0]![0]).toEqual({ port: '8200', tls: true });
    serve.run.mockRejectedValueOnce(new Error('listen EADDRINUSE: address already in use'));
    const failed = await cli(['serve'], [serve]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('EADDRINUSE');
  });

  it('mock-vault rejects a bad --port, --service-account or --setup before starting anything', async () => {
    for (const [argv, reason] of [
      [['mock-vault', '--port', 'abc'], '--port must be a port number'],
      [['mock-vault', '--port', '70000'], '--port must be a port number'],
      [['mock-vault', '--service-account', 'myapp-sa'], '--service-account takes <namespace>/<name>'],
      [['mock-vault', '--setup', 'terraform'], '--setup takes vault, curl or none'],
    ] as const) {
      const out = await cli([...argv]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(reason);
    }
  });
});
