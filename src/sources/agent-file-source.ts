import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CredentialFileError, type FileProblem, readCredentialFile } from '../auth/credential-file';
import {
  asClientError,
  ClientClosedError,
  InvalidRequestError,
  ListenerError,
  SecretFileError,
} from '../errors';
import { EventHub } from '../events';
import { systemClock } from '../internal/clock';
import { consoleLogger, filterLogger } from '../internal/logger';
import { trackIo } from '../internal/tracking-clock';
import { snapshotOf, toSecret } from '../leases/secret';
import type { FetchedSecret } from '../leases/secret-shape';
import { assertSchema, checkSchemaAsync } from '../schema-check';
import type { Clock } from '../types/clock';
import type { EventName, Listener } from '../types/events';
import type { Logger } from '../types/logger';
import type { Secret, SecretListener, Subscription } from '../types/secret';
import type { DataOf, StandardSchemaV1 } from '../types/standard-schema';
import { type FileFormat, FileFormatError, type FileParser, parseFile } from './agent-file-formats';
import { DirectoryWatch } from './file-watch';

export interface AgentFileSourceOptions {
  /** Where the injector renders secrets; default `/vault/secrets`. */
  dir?: string;
  /** How long `secret()` waits for a file that is not there yet; default 60 s. */
  waitMs?: number;
  /** Quiet time after a change before the file is read, so a write in progress can finish; default 100 ms. */
  settleMs?: number;
  /** Polling interval: the safety net beside file watching, or the only check with `watch: 'poll'`; default 5 s. */
  pollIntervalMs?: number;
  /** `auto` (default) watches the directory and polls; `poll` only polls (network filesystems). */
  watch?: 'auto' | 'poll';
  /** Time and timers; a test clock in tests. */
  clock?: Clock;
  logger?: Logger;
}

/** The formats whose data is key/values (typed by a schema, else `Record<string, unknown>`). */
export type StructuredFormat = 'auto' | 'map' | 'json' | 'env';

export interface FileSecretOptions<S extends StandardSchemaV1 | undefined = undefined> {
  /** How to read the file; default `auto` (JSON object, `KEY=value` lines, or the injector's `key: value`). */
  format?: StructuredFormat | undefined;
  /** A Standard Schema (zod, valibot, ...) for the data: types the result and checks every new value. */
  schema?: S;
  /** Stops waiting for a file that is not there yet. */
  signal?: AbortSignal | undefined;
}

/** `format: 'raw'`: the file's text as it is. */
export interface RawFileOptions {
  format: 'raw';
  signal?: AbortSignal | undefined;
}

/** `format: (text) => data`: the app's own parser, its result checked by an optional schema. */
export interface ParsedFileOptions<T, S extends StandardSchemaV1 | undefined = undefined> {
  format: FileParser<T>;
  schema?: S;
  signal?: AbortSignal | undefined;
}

type AnyFileOptions = {
  format?: FileFormat | FileParser | undefined;
  schema?: StandardSchemaV1 | undefined;
  signal?: AbortSignal | undefined;
};

interface Snapshot {
  text: string;
  stats: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>;
  at: number;
}

interface Subscriber {
  format: FileFormat | FileParser;
  schema: StandardSchemaV1 | undefined;
  listener: SecretListener<unknown>;
  /** The text the listener's current value came from; undefined until the first delivery. */
  text: string | undefined;
  last: Secret<unknown> | undefined;
  /** Deliveries run one after another: a promise-returning listener finishes before the next value. */
  chain: Promise<void>;
  stopped: boolean;
}

interface Entry {
  name: string;
  file: string;
  current: Snapshot | undefined;
  subscribers: Set<Subscriber>;
  /** Woken at every committed change (and at close). */
  waiters: Set<() => void>;
  settle: unknown;
  checking: Promise<void> | undefined;
  again: boolean;
  /** Consecutive reads some watcher could not parse: a partial write gets a few chances. */
  unparsed: number;
  /** Why the last read failed (not a regular file, too large, no permission); cleared by a good one. */
  unreadable: SecretFileError | undefined;
  cache: Map<unknown, Map<unknown, Secret<unknown>>>;
}

/**
 * Rendered secrets are small (a database credential is a few hundred bytes, a certificate bundle
 * some kilobytes); a file far larger is not one of the agent's and is refused unread.
 */
export const MAX_SECRET_FILE_BYTES = 4 * 1024 * 1024;

/** Reads of a text that some watcher cannot parse before the failure is reported. */
const PARSE_ATTEMPTS = 3;

/**
 * The Vault Agent Injector's rendered files as a secret source, with the client's semantics:
 * `secret(name)` gives the current value as a `Secret`, `watch(name, listener)` gives it now and
 * every new value after (reason `file-changed`), listeners may return promises and are called
 * one value at a time, and a listener that throws becomes an `error` event. So a connection pool
 * adapter takes this source instead of the client unchanged.
 *
 * The agent renames a freshly rendered file over the old one; a write in progress is waited out
 * (the file must hold still across a read, and parse) and a file missing at start is waited for,
 * up to `waitMs`.
 */
export class AgentFileSource {
  readonly dir: string;
  readonly #clock: Clock;
  readonly #events: EventHub;
  readonly #entries = new Map<string, Entry>();
  readonly #options: Required<Pick<AgentFileSourceOptions, 'waitMs' | 'settleMs' | 'pollIntervalMs'>> & {
    watch: 'auto' | 'poll';
  };
  #watch: DirectoryWatch | undefined;
  #closed = false;

  constructor(options: AgentFileSourceOptions = {}) {
    this.dir = options.dir ?? '/vault/secrets';
    for (const key of ['waitMs', 'settleMs', 'pollIntervalMs'] as const) {
      const value = options[key];
      if (value !== undefined && (!Number.isFinite(value) || value < 0))
        throw new InvalidRequestError(`AgentFileSource option ${key} must be a number of milliseconds >= 0`);
    }
    this.#options = {
      waitMs: options.waitMs ?? 60_000,
      settleMs: options.settleMs ?? 100,
      pollIntervalMs: Math.max(10, options.pollIntervalMs ?? 5_000),
      watch: options.watch ?? 'auto',
    };
    this.#clock = options.clock ?? systemClock;
    this.#events = new EventHub(filterLogger(options.logger ?? consoleLogger, 'warn'), this.#clock);
  }

  on<K extends Extract<EventName, 'secret:rotated' | 'error'>>(name: K, listener: Listener<K>): this {
    this.#events.on(name, listener);
    return this;
  }

  off<K extends Extract<EventName, 'secret:rotated' | 'error'>>(name: K, listener: Listener<K>): this {
    this.#events.off(name, listener);
    return this;
  }

  /** The file's current value; waits (up to `waitMs`) for a file that is not there yet. */
  secret<S extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    options?: FileSecretOptions<S>,
  ): Promise<Secret<DataOf<S>>>;
  secret(name: string, options: RawFileOptions): Promise<Secret<string>>;
  secret<T, S extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    options: ParsedFileOptions<T, S>,
  ): Promise<Secret<S extends StandardSchemaV1 ? DataOf<S> : T>>;
  async secret(name: string, options: AnyFileOptions = {}): Promise<Secret<unknown>> {
    assertSchema(options.schema);
    const entry = this.#entry(name);
    const { secret } = await this.#load(entry, options.format ?? 'auto', options.schema, options.signal);
    return secret;
  }

  /** The value now and every new value after, until the returned function is called. */
  watch<S extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    listener: SecretListener<DataOf<S>>,
    options?: FileSecretOptions<S>,
  ): Subscription<DataOf<S>>;
  watch(name: string, listener: SecretListener<string>, options: RawFileOptions): Subscription<string>;
  watch<T, S extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    listener: SecretListener<S extends StandardSchemaV1 ? DataOf<S> : T>,
    options: ParsedFileOptions<T, S>,
  ): Subscription<S extends StandardSchemaV1 ? DataOf<S> : T>;
  watch(name: string, listener: SecretListener<never>, options: AnyFileOptions = {}): Subscription<unknown> {
    assertSchema(options.schema);
    const entry = this.#entry(name);
    const sub: Subscriber = {
      format: options.format ?? 'auto',
      schema: options.schema,
      listener: listener as SecretListener<unknown>,
      text: undefined,
      last: undefined,
      chain: Promise.resolve(),
      stopped: false,
    };
    entry.subscribers.add(sub);
    const ready = this.#load(entry, sub.format, sub.schema, undefined).then(({ secret, text }) => {
      if (sub.stopped) return secret;
      sub.text = text;
      sub.last = secret;
      this.#deliver(entry, sub, secret, undefined);
      // A change committed while the first value was on its way is delivered now.
      if (entry.current && entry.current.text !== text) void this.#offer(entry, sub, entry.current);
      return secret;
    });
    // `ready` is the caller's to await; an unawaited failure must not crash the process.
    ready.catch(() => undefined);
    const unsubscribe = () => {
      sub.stopped = true;
      entry.subscribers.delete(sub);
    };
    return Object.assign(unsubscribe, { ready }) as Subscription<unknown>;
  }

  /** Stops watching; pending `secret()` calls reject with ClientClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch?.close();
    for (const entry of this.#entries.values()) {
      if (entry.settle !== undefined) this.#clock.clearTimeout(entry.settle);
      for (const sub of entry.subscribers) sub.stopped = true;
      for (const wake of entry.waiters) wake();
      await Promise.all([...entry.subscribers].map((s) => s.chain));
      entry.subscribers.clear();
    }
    this.#events.removeAll();
  }

  #entry(name: string): Entry {
    if (this.#closed) throw new ClientClosedError('the AgentFileSource is closed');
    if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      throw new InvalidRequestError(
        `a secret file name is the name of a file in ${this.dir} (the <name> of vault.hashicorp.com/agent-inject-secret-<name>), not a path: got ${JSON.stringify(name)}`,
      );
    }
    let entry = this.#entries.get(name);
    if (!entry) {
      entry = {
        name,
        file: join(this.dir, name),
        current: undefined,
        subscribers: new Set(),
        waiters: new Set(),
        settle: undefined,
        checking: undefined,
        again: false,
        unparsed: 0,
        unreadable: undefined,
        cache: new Map(),
      };
      this.#entries.set(name, entry);
      this.#ensureWatching();
      void this.#check(entry);
    }
    return entry;
  }

  #ensureWatching(): void {
    if (this.#watch) return;
    this.#watch = new DirectoryWatch(
      this.dir,
      {
        clock: this.#clock,
        pollIntervalMs: this.#options.pollIntervalMs,
        useFsWatch: this.#options.watch === 'auto',
      },
      (name) => {
        if (name === undefined) for (const entry of this.#entries.values()) void this.#check(entry);
        else {
          const entry = this.#entries.get(name);
          if (entry) this.#scheduleCheck(entry);
          // Another name may stand for every file: a projected volume swaps its `..data` symlink and
          // leaves each file's own link untouched. A check of an unchanged file is one stat.
          else for (const each of this.#entries.values()) this.#scheduleCheck(each);
        }
      },
    );
    this.#watch.start();
  }

  /** A change was seen: read once it has been quiet for `settleMs`. */
  #scheduleCheck(entry: Entry): void {
    if (this.#closed) return;
    if (entry.settle !== undefined) this.#clock.clearTimeout(entry.settle);
    entry.settle = this.#clock.setTimeout(() => {
      entry.settle = undefined;
      void this.#check(entry);
    }, this.#options.settleMs);
  }

  /** One check at a time per file; a check asked for meanwhile runs right after. */
  #check(entry: Entry): Promise<void> {
    if (entry.checking) {
      entry.again = true;
      return entry.checking;
    }
    const run = async () => {
      do {
        entry.again = false;
        await this.#read(entry).then(
          () => {
            entry.unreadable = undefined;
          },
          (error: unknown) => {
            // Callers still waiting for a first value learn why now, not at the end of waitMs.
            if (error instanceof SecretFileError) entry.unreadable = error;
            for (const wake of [...entry.waiters]) wake();
            this.#reportError(entry, error, 'read');
          },
        );
      } while (entry.again && !this.#closed);
    };
    const work = run();
    const checking = trackIo(this.#clock, work).finally(() => {
      entry.checking = undefined;
    });
    entry.checking = checking;
    return checking;
  }

  async #read(entry: Entry): Promise<void> {
    if (this.#closed) return;
    const before = await statOf(entry.file);
    if (!before) return;
    const known = entry.current?.stats;
    if (known && sameFile(known, before) && entry.unparsed === 0) return;
    let text: string;
    try {
      // Bounded and non-blocking: a FIFO or a device in the volume must not hold a thread forever.
      text = await readCredentialFile(entry.file, MAX_SECRET_FILE_BYTES);
    } catch (error) {
      if (!(error instanceof CredentialFileError)) throw error;
      if (error.problem.kind === 'missing') return;
      throw new SecretFileError(
        `the secret file ${entry.file} ${fileProblem(error.problem)}`,
        { file: entry.file, problem: 'unreadable' },
        error,
      );
    }
    const after = await statOf(entry.file);
    // Changed while it was read: a write in progress. Read again once it holds still.
    if (!after || !sameFile(before, after)) return this.#scheduleCheck(entry);
    if (entry.current?.text === text) {
      entry.current = { ...entry.current, stats: after };
      entry.unparsed = 0;
      return;
    }
    const snapshot: Snapshot = { text, stats: after, at: this.#clock.now() };
    // A text some watcher cannot parse may be half-written by a non-atomic writer: give it a few reads.
    const parsing = [...entry.subscribers].filter((s) => s.text !== undefined);
    const failures = await Promise.all(
      parsing.map((s) =>
        this.#parse(entry, s.format, s.schema, snapshot).then(
          () => false,
          () => true,
        ),
      ),
    );
    if (failures.some(Boolean) && entry.unparsed + 1 < PARSE_ATTEMPTS) {
      entry.unparsed += 1;
      return this.#scheduleCheck(entry);
    }
    entry.unparsed = 0;
    this.#commit(entry, snapshot);
  }

  #commit(entry: Entry, snapshot: Snapshot): void {
    const previous = entry.current;
    entry.current = snapshot;
    entry.cache.clear();
    for (const wake of [...entry.waiters]) wake();
    if (!previous) return;
    for (const sub of entry.subscribers) if (sub.text !== undefined) void this.#offer(entry, sub, snapshot);
    void this.#announce(entry, previous, snapshot);
  }

  /** Parses a new text for one subscriber and queues it; a value it cannot use is an `error` event. */
  async #offer(entry: Entry, sub: Subscriber, snapshot: Snapshot): Promise<Secret<unknown> | undefined> {
    if (sub.stopped || sub.text === snapshot.text) return undefined;
    const previousText = sub.text;
    sub.text = snapshot.text;
    try {
      const secret = await this.#parse(entry, sub.format, sub.schema, snapshot);
      const previous = sub.last;
      sub.last = secret;
      this.#deliver(entry, sub, secret, previous ? { previous, reason: 'file-changed' } : undefined);
      return secret;
    } catch (error) {
      if (previousText === undefined) sub.text = undefined;
      this.#reportError(entry, error, 'read');
      return undefined;
    }
  }

  #deliver(
    entry: Entry,
    sub: Subscriber,
    secret: Secret<unknown>,
    change: Parameters<SecretListener<unknown>>[1],
  ): void {
    sub.chain = sub.chain.then(async () => {
      if (sub.stopped) return;
      try {
        await sub.listener(secret, change);
      } catch (cause) {
        const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
        this.#events.emit('error', {
          error: new ListenerError(
            `a watch listener of the secret file ${entry.name} threw: ${detail}`,
            cause,
          ),
          phase: 'listener',
          path: entry.name,
          at: this.#clock.now(),
        });
      }
    });
  }

  /** The `secret:rotated` event, with the data as the file's own format reads it (when it does). */
  async #announce(entry: Entry, previous: Snapshot, current: Snapshot): Promise<void> {
    const [sub] = entry.subscribers;
    const format = sub?.format ?? 'auto';
    try {
      const [before, after] = await Promise.all([
        this.#parse(entry, format, undefined, previous),
        this.#parse(entry, format, undefined, current),
      ]);
      this.#events.emit('secret:rotated', {
        path: entry.name,
        reason: 'file-changed',
        previous: snapshotOf(fetchedOf(before), undefined),
        current: snapshotOf(fetchedOf(after), undefined),
        at: current.at,
      });
    } catch {
      // A text the default format cannot read still reaches the watchers that read it their way.
    }
  }

  async #parse(
    entry: Entry,
    format: FileFormat | FileParser,
    schema: StandardSchemaV1 | undefined,
    snapshot: Snapshot,
  ): Promise<Secret<unknown>> {
    const cacheable = snapshot === entry.current;
    const cached = cacheable ? entry.cache.get(format)?.get(schema) : undefined;
    if (cached) return cached;
    let parsed: ReturnType<typeof parseFile>;
    try {
      parsed = parseFile(snapshot.text, format);
    } catch (error) {
      const why = error instanceof FileFormatError ? error.message : 'the parser threw';
      throw new SecretFileError(
        `the secret file ${entry.file} could not be read as ${typeof format === 'function' ? 'the given parser expects' : format}: ${why}`,
        { file: entry.file, problem: 'unparseable' },
        // A custom parser's error may quote the text: kept as the cause, out of the message.
        error,
      );
    }
    const data = await checkSchemaAsync(entry.name, parsed.data, schema);
    const secret = toSecret(
      entry.name,
      {
        ...fetchedOf({ data: parsed.data, version: parsed.version, metadata: parsed.metadata }),
        fetchedAt: snapshot.at,
      },
      data,
      undefined,
    );
    if (cacheable) {
      const bySchema = entry.cache.get(format) ?? new Map<unknown, Secret<unknown>>();
      entry.cache.set(format, bySchema);
      bySchema.set(schema, secret);
    }
    return secret;
  }

  /** The current text, parsed; waits for the file to appear (and for a half-written one to parse). */
  async #load(
    entry: Entry,
    format: FileFormat | FileParser,
    schema: StandardSchemaV1 | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ secret: Secret<unknown>; text: string }> {
    const deadline = this.#clock.now() + this.#options.waitMs;
    let attempts = 0;
    let rechecked = false;
    for (;;) {
      if (this.#closed) throw new ClientClosedError('the AgentFileSource is closed');
      signal?.throwIfAborted();
      const snapshot = entry.current;
      if (!snapshot && entry.unreadable) {
        // The failure may be older than this call (the file since replaced): read once more to be sure.
        if (rechecked) throw entry.unreadable;
        rechecked = true;
        await this.#check(entry);
        continue;
      }
      if (snapshot) {
        try {
          return { secret: await this.#parse(entry, format, schema, snapshot), text: snapshot.text };
        } catch (error) {
          attempts += 1;
          if (attempts >= PARSE_ATTEMPTS || !(error instanceof SecretFileError)) throw error;
          this.#scheduleCheck(entry);
        }
      }
      const left = deadline - this.#clock.now();
      if (left <= 0 && !snapshot) {
        throw new SecretFileError(
          `the secret file ${entry.file} did not appear within ${this.#options.waitMs} ms: check the pod's vault.hashicorp.com/agent-inject-secret-${entry.name} annotation, that the agent init container ran (kubectl logs <pod> -c vault-agent-init), and that the agent's role may read the secret`,
          { file: entry.file, problem: 'missing' },
        );
      }
      // A text that did not parse gets another read shortly; a missing file is waited for up to the deadline.
      await this.#nextChange(entry, snapshot ? this.#options.settleMs * 2 : left, signal);
    }
  }

  /** Resolves at the entry's next committed change, after `ms`, on abort, or at close. */
  #nextChange(entry: Entry, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        entry.waiters.delete(done);
        this.#clock.clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, ms);
      entry.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #reportError(entry: Entry, error: unknown, phase: 'read'): void {
    if (this.#closed) return;
    this.#events.emit('error', {
      error: asClientError(error),
      phase,
      path: entry.name,
      at: this.#clock.now(),
    });
  }
}

function fetchedOf(parsed: {
  data: unknown;
  version: number | undefined;
  metadata: Record<string, unknown> | undefined;
  fetchedAt?: number;
}): FetchedSecret {
  return {
    // The source cannot know what the agent read: KV v2 when the file holds a KV v2 read's `.Data`.
    kind: parsed.version !== undefined ? 'kv-v2' : 'kv',
    data: (typeof parsed.data === 'object' && parsed.data !== null
      ? parsed.data
      : { value: parsed.data }) as Record<string, unknown>,
    version: parsed.version,
    metadata: parsed.metadata,
    lease: undefined,
    fetchedAt: parsed.fetchedAt ?? 0,
    ttlMs: undefined,
    vaultExpiresAt: undefined,
  };
}

/** Why a secret file could not be read, for a message naming the file (never its content). */
function fileProblem(problem: Exclude<FileProblem, { kind: 'missing' }>): string {
  switch (problem.kind) {
    case 'unreadable':
      return `could not be read (${problem.code}); check its permissions (the agent and the app share the volume)`;
    case 'not-a-file':
      return `is ${problem.what}, not a regular file: the agent renders regular files, so something else wrote it`;
    case 'too-large':
      return `is ${problem.bytes} bytes, more than a rendered secret (at most ${MAX_SECRET_FILE_BYTES}): it is not read`;
  }
}

async function statOf(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function sameFile(
  a: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>,
  b: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>,
): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
