import { inspect } from 'node:util';
import type { Logger } from '../types/logger';

export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not scrubbed from every line: redacting each "admin" or "true"
 * would make messages unreadable and protect nothing a guess would not find. A value written in
 * a request is still scrubbed from that request's own error down to `REQUEST_MIN_LENGTH`.
 */
export const MIN_SECRET_LENGTH = 6;
export const REQUEST_MIN_LENGTH = 3;

export interface RedactorLimits {
  /** Credentials (tokens, JWTs, secret IDs) remembered; the oldest are forgotten first. */
  maxCredentials: number;
  /** Secret values (every string of `data`, every string written) remembered, and their total length. */
  maxValues: number;
  maxValueChars: number;
}

const DEFAULT_LIMITS: RedactorLimits = { maxCredentials: 2_000, maxValues: 100_000, maxValueChars: 16 << 20 };

/** Vault tokens (service, batch, recovery; `hvs.` and the older `s.` shapes) and JWTs, known or not. */
const TOKEN_SHAPES =
  /\b(?:hv[sbr]\.[A-Za-z0-9_-]{20,}|[sbr]\.[A-Za-z0-9]{24,})|\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

const BUCKETS = 1 << 16;

/**
 * What one client must never print: its Vault tokens and JWTs, and every secret value it has
 * received or written, so that any text leaving the client (an error message, a log line, an
 * event) can be scrubbed of them, even echoed inside a server's error string.
 *
 * Scrubbing costs the length of the text, not the number of secrets: secrets are indexed by
 * their first `MIN_SECRET_LENGTH` characters, and a bitmap of their first two characters lets
 * almost every position of a line be skipped without a lookup. Memory is bounded: past the
 * limits the oldest values are forgotten first (token and JWT shapes are still caught by pattern).
 */
export class Redactor {
  readonly #limits: RedactorLimits;
  readonly #credentials = new Set<string>();
  readonly #values = new Set<string>();
  #valueChars = 0;
  /** First MIN_SECRET_LENGTH characters → the secrets that start so, longest first. */
  readonly #index = new Map<string, string[]>();
  /** How many indexed secrets start with each two-character bucket. */
  readonly #starts = new Uint32Array(BUCKETS);

  constructor(limits: Partial<RedactorLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Remembers a credential (a token, a JWT); strings too short to be one are ignored. */
  add(secret: string | undefined): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.#credentials.has(secret))
      return;
    this.#credentials.add(secret);
    if (!this.#values.has(secret)) this.#indexAdd(secret);
    if (this.#credentials.size > this.#limits.maxCredentials) {
      const oldest = this.#credentials.values().next().value as string;
      this.#credentials.delete(oldest);
      if (!this.#values.has(oldest)) this.#indexRemove(oldest);
    }
  }

  /** Remembers secret values (strings from a response's `data`, strings written in a request). */
  addValues(values: Iterable<string>): void {
    for (const value of values) {
      if (value.length < MIN_SECRET_LENGTH || this.#values.has(value)) continue;
      this.#values.add(value);
      this.#valueChars += value.length;
      if (!this.#credentials.has(value)) this.#indexAdd(value);
    }
    while (
      this.#values.size > 0 &&
      (this.#values.size > this.#limits.maxValues || this.#valueChars > this.#limits.maxValueChars)
    ) {
      const oldest = this.#values.values().next().value as string;
      this.#values.delete(oldest);
      this.#valueChars -= oldest.length;
      if (!this.#credentials.has(oldest)) this.#indexRemove(oldest);
    }
  }

  /** How many secrets are remembered, for tests and figures. */
  get size(): number {
    return this.#credentials.size + this.#values.size;
  }

  /**
   * `value` with every known secret and every token or JWT shape replaced by `[redacted]`;
   * `extra` are values this one text may quote (a request's own body), scrubbed down to
   * `REQUEST_MIN_LENGTH` characters.
   */
  text(value: string, extra?: readonly string[]): string {
    let out = value;
    if (extra) {
      for (const secret of [...extra].sort((a, b) => b.length - a.length)) {
        if (secret.length >= REQUEST_MIN_LENGTH && out.includes(secret))
          out = out.split(secret).join(REDACTED);
      }
    }
    if (this.#index.size > 0) out = this.#scrubKnown(out);
    // Every token and JWT shape has a dot: most lines skip the pattern search entirely.
    return out.includes('.') ? out.replace(TOKEN_SHAPES, REDACTED) : out;
  }

  #scrubKnown(text: string): string {
    const starts = this.#starts;
    const index = this.#index;
    const last = text.length - MIN_SECRET_LENGTH;
    let out = '';
    let copied = 0;
    // The two-character bucket rolls along the text: one charCodeAt and one array read per position.
    let next = text.charCodeAt(0);
    for (let i = 0; i <= last; i++) {
      const first = next;
      next = text.charCodeAt(i + 1);
      if (starts[((first << 8) ^ next) & (BUCKETS - 1)] === 0) continue;
      const candidates = index.get(text.slice(i, i + MIN_SECRET_LENGTH));
      if (!candidates) continue;
      const match = candidates.find((secret) => text.startsWith(secret, i));
      if (!match) continue;
      out += text.slice(copied, i) + REDACTED;
      i += match.length - 1;
      copied = i + 1;
      next = text.charCodeAt(i + 1);
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  #indexAdd(secret: string): void {
    const key = secret.slice(0, MIN_SECRET_LENGTH);
    const list = this.#index.get(key);
    if (list) {
      list.push(secret);
      list.sort((a, b) => b.length - a.length);
    } else {
      this.#index.set(key, [secret]);
    }
    this.#starts[bucket(secret, 0)]!++;
  }

  #indexRemove(secret: string): void {
    const key = secret.slice(0, MIN_SECRET_LENGTH);
    const list = this.#index.get(key);
    const at = list?.indexOf(secret) ?? -1;
    if (!list || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#index.delete(key);
    this.#starts[bucket(secret, 0)]!--;
  }
}

function bucket(text: string, at: number): number {
  return ((text.charCodeAt(at) << 8) ^ text.charCodeAt(at + 1)) & (BUCKETS - 1);
}

const SENSITIVE_KEY = /token|jwt|password|secret_key|private_key|client_key/i;
const NOT_SENSITIVE_KEY = /accessor|path|file/i;

/**
 * A copy of `fields` fit for a log line: known-sensitive keys dropped, strings scrubbed, nested
 * objects and arrays scrubbed the same way (a few levels deep; deeper is summarised).
 */
export function redactFields(fields: Record<string, unknown>, redactor: Redactor): Record<string, unknown> {
  return scrubObject(fields, redactor, 0);
}

function scrubObject(
  fields: Record<string, unknown>,
  redactor: Redactor,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      SENSITIVE_KEY.test(key) && !NOT_SENSITIVE_KEY.test(key) ? REDACTED : scrub(value, redactor, depth);
  }
  return out;
}

function scrub(value: unknown, redactor: Redactor, depth: number): unknown {
  if (typeof value === 'string') return redactor.text(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redactor.text(`${value.name}: ${value.message}`);
  if (depth >= 4) return '[object]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, redactor, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return scrubObject(value as Record<string, unknown>, redactor, depth + 1);
}

/** A logger that scrubs every message and field before the app's logger sees it: the last line of defence. */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  const wrap =
    (level: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void =>
      logger[level](redactFields(fields, redactor), redactor.text(message));
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * Makes `util.inspect` and `JSON.stringify` of an object show `view()` instead of its fields,
 * for objects that hold secret material the app reads directly but must never print by accident.
 */
export function hideFromInspection(target: object, view: () => unknown): void {
  Object.defineProperty(target, inspect.custom, {
    value: (_depth: number, options: object) => inspect(view(), options),
    enumerable: false,
  });
  Object.defineProperty(target, 'toJSON', { value: view, enumerable: false });
}

/** Nesting shown by `maskValues`; deeper values are masked whole. */
const MASK_DEPTH = 32;

/**
 * Values of a secret's data replaced with a marker, keys kept, so a printed object still says
 * what it holds. Data is JSON from Vault, or whatever an app's schema made of it: so a cycle is
 * shown as `[circular]`, anything not a plain object or array (a Buffer, a Date, a Map, a class)
 * is masked whole, and a getter or Proxy that throws is masked rather than breaking the print.
 */
export function maskValues(data: unknown): unknown {
  return maskValue(data, new Set(), 0);
}

function maskValue(value: unknown, ancestors: Set<object>, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value === undefined ? undefined : REDACTED;
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MASK_DEPTH) return REDACTED;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return Array.from(value, (item) => maskValue(item, ancestors, depth + 1));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return REDACTED;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      let item: unknown;
      try {
        item = (value as Record<string, unknown>)[key];
      } catch {
        item = REDACTED;
      }
      out[key] = maskValue(item, ancestors, depth + 1);
    }
    return out;
  } catch {
    return REDACTED;
  } finally {
    ancestors.delete(value);
  }
}
