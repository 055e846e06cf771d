import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentFileSource, type AgentFileSourceOptions } from 'vault-kubernetes-client';
import { afterEach } from 'vitest';

/** A temporary /vault/secrets, written to as the agent does: a new file renamed over the old one. */
export async function secretsDir() {
  const dir = await mkdtemp(join(tmpdir(), 'agent-files-'));
  let n = 0;
  return {
    dir,
    path: (name: string) => join(dir, name),
    /** The agent's way: render to a temporary file, then rename it over the secret's file. */
    async render(name: string, text: string) {
      const temp = join(dir, `.${name}.${++n}.tmp`);
      await writeFile(temp, text);
      await rename(temp, join(dir, name));
    },
    /** A writer that is not atomic: the file is rewritten in place. */
    write: (name: string, text: string) => writeFile(join(dir, name), text),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Collects calls of a listener, and lets a test wait for the next one without sleeping. */
export function recorder<A extends unknown[]>() {
  const calls: A[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const fn = (...args: A) => {
    calls.push(args);
    for (const w of [...waiting]) {
      if (calls.length >= w.count) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  return {
    fn,
    calls,
    /** Resolves once there have been `count` calls in all. */
    until(count: number): Promise<A[]> {
      if (calls.length >= count) return Promise.resolve(calls);
      return new Promise((resolve) => waiting.push({ count, resolve: () => resolve(calls) }));
    },
  };
}

/** A secrets directory and a source per test, closed and removed after each test of the file. */
export function agentFiles() {
  let dir: Awaited<ReturnType<typeof secretsDir>> | undefined;
  let source: AgentFileSource | undefined;
  afterEach(async () => {
    await source?.close();
    await dir?.remove();
    source = undefined;
    dir = undefined;
  });
  return {
    async dir() {
      dir = await secretsDir();
      return dir;
    },
    source(options: AgentFileSourceOptions) {
      source = new AgentFileSource(options);
      return source;
    },
  };
}
