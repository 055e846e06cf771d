import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: where a child finds `tsx` and the sources. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed for outliving `killAfterMs`, rather than ending by itself. */
  killed: boolean;
  /** When the process exited (Date.now()), which can be well before its output is all read. */
  exitedAt: number;
}

/**
 * Runs `node <args>` as a real child process (a fixture app, a script) to its end, its output
 * collected. `killAfterMs` only keeps a child that never exits from hanging the suite: a killed
 * child says so in `killed`, for the test to fail on.
 */
export function runNode(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): Promise<ChildExit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd ?? REPO_ROOT,
      ...(options.env ? { env: options.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let killed = false;
    const killer =
      options.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            child.kill('SIGKILL');
          }, options.killAfterMs);
    let exitedAt = 0;
    child.on('exit', () => {
      exitedAt = Date.now();
    });
    // 'close' comes once the output is all read; the exit time is from 'exit'.
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, killed, exitedAt: exitedAt || Date.now() });
    });
  });
}
