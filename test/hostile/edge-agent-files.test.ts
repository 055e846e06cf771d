import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type ErrorEvent, type Secret, type SecretChange, SecretFileError } from 'vault-kubernetes-client';
import { describe, expect, it } from 'vitest';
import { agentFiles, recorder } from '../sources/support';

/*
 * README "Agent Injector files", attacked with what a shared volume can hold besides the agent's
 * rendered files: a projected-volume symlink swap, files truncated or emptied in place, a named
 * pipe, a directory, a file far too large, JSON that is not an object, a file deleted and recreated.
 */

type Call = [Secret<Record<string, unknown>>, SecretChange<Record<string, unknown>> | undefined];
const files = agentFiles();

/** Polling far beyond the test's timeout: whatever is seen is seen through the directory watch. */
const WATCH_ONLY = { settleMs: 5, pollIntervalMs: 600_000 };

describe('edge: Agent files replaced the ways volumes replace them', () => {
  it('a symlink swap (Kubernetes projected/secret volumes: ..data renamed) is seen at once, not at the next poll', async () => {
    const dir = await files.dir();
    // kubelet's AtomicWriter layout: db -> ..data/db, ..data -> ..<timestamp>/
    const d = dir.dir;
    await mkdir(join(d, '..v1'));
    await writeFile(join(d, '..v1', 'db'), 'username: u1\npassword: p1\n');
    await symlink('..v1', join(d, '..data'));
    await symlink(join('..data', 'db'), join(d, 'db'));
    const source = files.source({ dir: d, ...WATCH_ONLY });
    const calls = recorder<Call>();
    await source.watch('db', calls.fn).ready;
    await calls.until(1);

    for (const [n, user] of [
      [2, 'u2'],
      [3, 'u3'],
    ] as const) {
      await mkdir(join(d, `..v${n}`));
      await writeFile(join(d, `..v${n}`, 'db'), `username: ${user}\npassword: p${n}\n`);
      await symlink(`..v${n}`, join(d, '..data_tmp'));
      await rename(join(d, '..data_tmp'), join(d, '..data'));
      await rm(join(d, `..v${n - 1}`), { recursive: true });
      await calls.until(n);
      expect(calls.calls[n - 1]?.[0].data).toEqual({ username: user, password: `p${n}` });
      expect(calls.calls[n - 1]?.[1]?.reason).toBe('file-changed');
    }
  }, 10_000);

  it('the file itself re-linked to a new target by rename is one change', async () => {
    const dir = await files.dir();
    const d = dir.dir;
    await writeFile(join(d, 'target-1'), 'username: u1\npassword: p1\n');
    await symlink('target-1', join(d, 'db'));
    const source = files.source({ dir: d, ...WATCH_ONLY });
    const calls = recorder<Call>();
    await source.watch('db', calls.fn).ready;
    await writeFile(join(d, 'target-2'), 'username: u2\npassword: p2\n');
    await symlink('target-2', join(d, 'db.tmp'));
    await rename(join(d, 'db.tmp'), join(d, 'db'));
    await calls.until(2);
    expect(calls.calls[1]?.[0].data).toEqual({ username: 'u2', password: 'p2' });
  }, 10_000);

  it('deleted and recreated: the last value stays while the file is gone, the new one is delivered', async () => {
    const dir = await files.dir();
    await dir.render('db', 'username: u1\npassword: p1\n');
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
    const calls = recorder<Call>();
    await source.watch('db', calls.fn).ready;
    await unlink(dir.path('db'));
    expect((await source.secret('db')).data).toEqual({ username: 'u1', password: 'p1' });
    await dir.render('db', 'username: u2\npassword: p2\n');
    await calls.until(2);
    expect(calls.calls[1]?.[0].data).toEqual({ username: 'u2', password: 'p2' });
    expect(calls.calls).toHaveLength(2);
  }, 10_000);
});

describe('edge: Agent files truncated or emptied', () => {
  it.each([
    ['empty', ''],
    ['blank lines only', '\n\n  \n'],
    ['a BOM and a comment', '\uFEFF# rendered by vault-agent\n'],
  ])(
    'a file %s is never delivered as credentials: the last good value stays and an error names the file',
    async (_name, text) => {
      const dir = await files.dir();
      await dir.render('db', 'username: u1\npassword: p1\n');
      const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
      const calls = recorder<Call>();
      const errors = recorder<[ErrorEvent]>();
      source.on('error', errors.fn);
      await source.watch('db', calls.fn).ready;
      await dir.write('db', text); // truncated in place, as a non-atomic writer leaves it
      await errors.until(1);
      const error = errors.calls[0]?.[0].error;
      expect(error).toBeInstanceOf(SecretFileError);
      expect(error instanceof SecretFileError && error.problem).toBe('unparseable');
      expect(error?.message).toMatch(/no key\/values/);
      expect(calls.calls).toHaveLength(1);
      expect(calls.calls[0]?.[0].data).toEqual({ username: 'u1', password: 'p1' });
      // The writer finishes: the complete file is the next value.
      await dir.write('db', 'username: u2\npassword: p2\n');
      await calls.until(2);
      expect(calls.calls[1]?.[0].data).toEqual({ username: 'u2', password: 'p2' });
    },
  );

  it.each(['auto', 'map', 'env', 'json'] as const)(
    'an empty file at start is not an empty secret (format %s): secret() fails with SecretFileError',
    async (format) => {
      const dir = await files.dir();
      await dir.render('db', '');
      const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
      const error = await source.secret('db', { format }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretFileError);
      expect((error as SecretFileError).problem).toBe('unparseable');
    },
  );

  it('raw stays raw: an empty file is an empty string', async () => {
    const dir = await files.dir();
    await dir.render('token', '');
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
    expect((await source.secret('token', { format: 'raw' })).data).toBe('');
  });

  it.each([
    ['an array', '[{"username":"u"}]'],
    ['a string', '"username=u"'],
    ['null', 'null'],
    ['a number', '42'],
  ])('JSON that is %s is refused by format json, never its text in the message', async (_name, text) => {
    const dir = await files.dir();
    await dir.render('db', text);
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
    const error = await source.secret('db', { format: 'json' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect((error as Error).message).toMatch(/not (an object|complete JSON)/);
    expect((error as Error).message).not.toContain('username');
  });
});

describe('edge: what else a volume can hold in place of a file', () => {
  it('a named pipe is refused unread (no thread blocked on it); the file that replaces it is read', async () => {
    const dir = await files.dir();
    execFileSync('mkfifo', [dir.path('db')]);
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
    const error = await source.secret('db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect((error as SecretFileError).problem).toBe('unreadable');
    expect((error as Error).message).toMatch(/named pipe/);
    await dir.render('db', 'username: u1\npassword: p1\n');
    const calls = recorder<Call>();
    source.watch('db', calls.fn);
    await calls.until(1);
    expect(calls.calls[0]?.[0].data).toEqual({ username: 'u1', password: 'p1' });
  }, 10_000);

  it('a directory under the secret name fails at once, saying so, not after waitMs as if missing', async () => {
    const dir = await files.dir();
    await mkdir(dir.path('db'));
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY, waitMs: 600_000 });
    const error = await source.secret('db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect((error as SecretFileError).problem).toBe('unreadable');
    expect((error as Error).message).toMatch(/is a directory, not a regular file/);
  }, 10_000);

  it('a file far larger than a rendered secret is refused before it is read', async () => {
    const dir = await files.dir();
    await writeFile(dir.path('db'), '');
    await truncate(dir.path('db'), 64 * 1024 * 1024); // sparse: no disk, no memory
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
    const error = await source.secret('db').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFileError);
    expect((error as SecretFileError).problem).toBe('unreadable');
    expect((error as Error).message).toMatch(/67108864 bytes, more than a rendered secret/);
  }, 10_000);

  it('a file that turns too large while watched keeps the last value and reports the error', async () => {
    const dir = await files.dir();
    await dir.render('db', 'username: u1\npassword: p1\n');
    const source = files.source({ dir: dir.dir, ...WATCH_ONLY });
    const errors = recorder<[ErrorEvent]>();
    source.on('error', errors.fn);
    const calls = recorder<Call>();
    await source.watch('db', calls.fn).ready;
    await writeFile(dir.path('big.tmp'), '');
    await truncate(dir.path('big.tmp'), 64 * 1024 * 1024);
    await rename(dir.path('big.tmp'), dir.path('db'));
    await errors.until(1);
    expect(errors.calls[0]?.[0].error.message).toMatch(/more than a rendered secret/);
    expect((await source.secret('db')).data).toEqual({ username: 'u1', password: 'p1' });
    expect(calls.calls).toHaveLength(1);
  }, 10_000);
});

describe('edge: the secrets directory itself removed and recreated', () => {
  it('the directory watch follows the new directory (not only the poll): a file rendered there is seen at once', async () => {
    const { DirectoryWatch } = await import('../../src/sources/file-watch');
    const { ManualClock } = await import('vault-kubernetes-client/testing');
    const dir = await files.dir();
    const clock = new ManualClock();
    const seen: (string | undefined)[] = [];
    let wake: (() => void) | undefined;
    const next = (name: string) =>
      new Promise<void>((resolve) => {
        wake = () => {
          if (seen.includes(name)) resolve();
        };
        wake();
      });
    const watch = new DirectoryWatch(
      dir.dir,
      { clock, pollIntervalMs: 600_000, useFsWatch: true },
      (name) => {
        seen.push(name);
        wake?.();
      },
    );
    watch.start();
    try {
      await rm(dir.dir, { recursive: true });
      await next(basename(dir.dir));
      await mkdir(dir.dir);
      // One poll: the safety net also restarts watching where the directory reappeared.
      await clock.advance(600_000);
      seen.length = 0;
      await dir.render('db', 'username: u\npassword: p\n');
      await next('db');
    } finally {
      watch.close();
    }
  }, 10_000);
});
