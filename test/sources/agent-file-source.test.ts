import { inspect } from 'node:util';
import {
  AgentFileSource,
  ClientClosedError,
  type ErrorEvent,
  type Secret,
  type SecretChange,
  SecretFileError,
  type SecretRotatedEvent,
  SecretSchemaError,
  type SecretSource,
} from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { agentFiles, recorder } from './support';

const files = agentFiles();

type Call = [Secret<Record<string, unknown>>, SecretChange<Record<string, unknown>> | undefined];

describe('AgentFileSource: reading', () => {
  it('gives Secret values like the client: typed by a schema, values masked when printed', async () => {
    const dir = await files.dir();
    await dir.render('db', 'password: p4ss-w0rd-value\nusername: v-app-1\n');
    const source = files.source({ dir: dir.dir });
    const Creds = z.object({ username: z.string(), password: z.string() });
    const secret = await source.secret('db', { schema: Creds });
    expectTypeOf(secret.data).toEqualTypeOf<{ username: string; password: string }>();
    expect(secret).toMatchObject({
      path: 'db',
      kind: 'kv',
      data: { username: 'v-app-1', password: 'p4ss-w0rd-value' },
      lease: undefined,
    });
    expect(inspect(secret)).not.toContain('p4ss-w0rd-value');
    expect(JSON.stringify(secret)).not.toContain('p4ss-w0rd-value');
    expect(await source.secret('db', { schema: Creds })).toBe(secret);
    const raw = await source.secret('db', { format: 'raw' });
    expectTypeOf(raw.data).toEqualTypeOf<string>();
  });

  it('a schema mismatch names the field, never the value; a bad name fails before any I/O', async () => {
    const dir = await files.dir();
    await dir.render('db', '{"username":"v-app-1","password":"p4ss-w0rd-value"}');
    const source = files.source({ dir: dir.dir });
    const error = await source
      .secret('db', { schema: z.object({ password: z.number() }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretSchemaError);
    expect((error as SecretSchemaError).message).toMatch(/password/);
    expect((error as SecretSchemaError).message).not.toContain('p4ss-w0rd-value');
    await expect(source.secret('../etc/passwd')).rejects.toThrow(/not a path/);
    expect(() => source.watch('a/b', () => undefined)).toThrow(/not a path/);
  });

  it('a file missing at start is waited for, and found when the agent writes it', async () => {
    const dir = await files.dir();
    const source = files.source({ dir: dir.dir });
    const pending = source.secret('late');
    await dir.render('late', '{"token":"abc"}');
    expect((await pending).data).toEqual({ token: 'abc' });
  });

  it('the wait is bounded: past waitMs the call fails with SecretFileError naming the annotation', async () => {
    const dir = await files.dir();
    const clock = new ManualClock();
    const source = files.source({
      dir: dir.dir,
      clock,
      waitMs: 30_000,
      watch: 'poll',
      pollIntervalMs: 1_000,
    });
    const pending = source.secret('never').catch((e: unknown) => e);
    await clock.advance(30_001);
    const error = (await pending) as SecretFileError;
    expect(error).toBeInstanceOf(SecretFileError);
    expect(error).toMatchObject({ code: 'ERR_SECRET_FILE', problem: 'missing' });
    expect(error.message).toMatch(
      /did not appear within 30000 ms: check the pod's vault.hashicorp.com\/agent-inject-secret-never annotation/,
    );
  });

  it('close() fails calls still waiting with ClientClosedError, and stops every timer', async () => {
    const dir = await files.dir();
    const clock = new ManualClock();
    const source = files.source({ dir: dir.dir, clock, watch: 'poll' });
    const pending = source.secret('never').catch((e: unknown) => e);
    await source.close();
    expect(await pending).toBeInstanceOf(ClientClosedError);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('AgentFileSource: watching', () => {
  it("survives the agent's atomic rewrites: each new file is one change, reason file-changed, with the previous value", async () => {
    const dir = await files.dir();
    await dir.render('db', 'password: one\nusername: u1\n');
    const source = files.source({ dir: dir.dir, settleMs: 5 });
    const rotated = recorder<[SecretRotatedEvent]>();
    source.on('secret:rotated', rotated.fn);
    const calls = recorder<Call>();
    const subscription = source.watch('db', calls.fn);
    expect((await subscription.ready).data).toEqual({ password: 'one', username: 'u1' });
    await calls.until(1);
    await dir.render('db', 'password: two\nusername: u2\n');
    await calls.until(2);
    const [secret, change] = calls.calls[1]!;
    expect(secret.data).toEqual({ password: 'two', username: 'u2' });
    expect(change?.reason).toBe('file-changed');
    expect(change?.previous.data).toEqual({ password: 'one', username: 'u1' });
    await rotated.until(1);
    expect(rotated.calls[0]![0]).toMatchObject({ path: 'db', reason: 'file-changed' });
    expect(inspect(rotated.calls[0]![0])).not.toContain('two');
    await dir.render('db', 'password: three\nusername: u3\n');
    await calls.until(3);
    expect(calls.calls[2]![0].data).toEqual({ password: 'three', username: 'u3' });
  });

  it('a half-written file is not delivered: the complete one is, and no error is reported', async () => {
    const dir = await files.dir();
    await dir.write('db', '{"username":"u1","password":"p1"}');
    const clock = new ManualClock();
    const source = files.source({
      dir: dir.dir,
      clock,
      watch: 'poll',
      pollIntervalMs: 1_000,
      settleMs: 100,
    });
    const errors = recorder<[ErrorEvent]>();
    source.on('error', errors.fn);
    const calls = recorder<Call>();
    await source.watch('db', calls.fn, { format: 'json' }).ready;
    await calls.until(1);
    await dir.write('db', '{"username":"u2","pass');
    await clock.advance(1_000);
    await dir.write('db', '{"username":"u2","password":"p2"}');
    await clock.advance(100);
    await calls.until(2);
    expect(calls.calls[1]![0].data).toEqual({ username: 'u2', password: 'p2' });
    expect(calls.calls).toHaveLength(2);
    expect(errors.calls).toEqual([]);
  });

  it('a file that stays unparseable is reported (never its text) and the last good value stays', async () => {
    const dir = await files.dir();
    await dir.write('db', '{"password":"p1"}');
    const clock = new ManualClock();
    const source = files.source({
      dir: dir.dir,
      clock,
      watch: 'poll',
      pollIntervalMs: 1_000,
      settleMs: 100,
    });
    const errors = recorder<[ErrorEvent]>();
    source.on('error', errors.fn);
    const calls = recorder<Call>();
    await source.watch('db', calls.fn, { format: 'json' }).ready;
    await dir.write('db', '{"password":"leaked-if-printed');
    await clock.advance(1_000);
    // Each re-read waits out settleMs: move time on until the source gives up on the text.
    for (let i = 0; i < 20 && errors.calls.length === 0; i++) await clock.advance(100);
    await errors.until(1);
    const [event] = errors.calls[0]!;
    expect(event).toMatchObject({
      phase: 'read',
      path: 'db',
      error: { code: 'ERR_SECRET_FILE', problem: 'unparseable' },
    });
    expect(event.error.message).not.toContain('leaked-if-printed');
    const failing = source.secret('db').catch((e: unknown) => e);
    for (let i = 0; i < 10; i++) await clock.advance(100);
    expect(await failing).toBeInstanceOf(SecretFileError);
    expect(calls.calls).toHaveLength(1);
  });

  it('polling alone finds changes where file watching is off or unreliable, and content rewritten unchanged is no change', async () => {
    const dir = await files.dir();
    await dir.render('db', 'a: 1\n');
    const clock = new ManualClock();
    const source = files.source({ dir: dir.dir, clock, watch: 'poll', pollIntervalMs: 2_000 });
    const calls = recorder<Call>();
    await source.watch('db', calls.fn).ready;
    await dir.render('db', 'a: 1\n');
    await clock.advance(2_000);
    await dir.render('db', 'a: 2\n');
    await clock.advance(2_000);
    await calls.until(2);
    expect(calls.calls.map(([s]) => s.data)).toEqual([{ a: '1' }, { a: '2' }]);
  });

  it('a directory that appears later is picked up', async () => {
    const dir = await files.dir();
    const later = dir.path('not-yet');
    const clock = new ManualClock();
    const source = files.source({ dir: later, clock, pollIntervalMs: 1_000 });
    const pending = source.secret('db');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(later);
    await writeFile(`${later}/db`, 'a: 1\n');
    await clock.advance(1_000);
    expect((await pending).data).toEqual({ a: '1' });
  });
});

describe('AgentFileSource: listeners, as the client calls them (contract C1)', () => {
  it('a promise-returning listener finishes before it gets the next value; one that throws is an error event and watching goes on', async () => {
    const dir = await files.dir();
    await dir.render('db', 'v: 1\n');
    const clock = new ManualClock();
    const source = files.source({ dir: dir.dir, clock, watch: 'poll', pollIntervalMs: 1_000 });
    const errors = recorder<[ErrorEvent]>();
    source.on('error', errors.fn);
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls = recorder<Call>();
    source.watch('db', async (secret, change) => {
      calls.fn(secret, change);
      const v = String(secret.data.v);
      seen.push(`start ${v}`);
      if (v === '2') await held;
      if (v === '3') throw new Error('pool swap failed');
      seen.push(`end ${v}`);
    });
    await calls.until(1);
    await dir.render('db', 'v: 2\n');
    await clock.advance(1_000);
    await calls.until(2);
    await dir.render('db', 'v: 3\n');
    await clock.advance(1_000);
    expect(seen).toEqual(['start 1', 'end 1', 'start 2']);
    release();
    await calls.until(3);
    await errors.until(1);
    expect(seen).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3']);
    expect(errors.calls[0]![0]).toMatchObject({
      phase: 'listener',
      path: 'db',
      error: { code: 'ERR_LISTENER' },
    });
    await dir.render('db', 'v: 4\n');
    await clock.advance(1_000);
    await calls.until(4);
    expect(calls.calls[3]![1]?.previous.data).toEqual({ v: '3' });
  });

  it('fits where a pool adapter takes the client: it is a SecretSource (contract C1)', () => {
    const asSource = (s: SecretSource) => s;
    expectTypeOf(asSource).toBeCallableWith(new AgentFileSource({ dir: '/nonexistent' }));
  });
});
