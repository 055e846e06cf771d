import { InvalidRequestError } from '../errors';
import { MAX_TIMER_MS } from '../internal/clock';
import { whatWasThrown } from '../internal/thrown';
import { encodeVaultPath } from './vault-path';

/** The methods a Vault call can use: Vault's API knows no others (LIST is sent as GET ?list=true). */
export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'LIST'] as const;

/** What `checkRequest` looks at: a call's own arguments, as an app passes them. */
export interface RequestToCheck {
  method?: unknown;
  path: unknown;
  body?: unknown;
  query?: unknown;
  namespace?: unknown;
  timeoutMs?: unknown;
  signal?: unknown;
  maxRetries?: unknown;
}

/** The per-call options every call takes. */
export const CALL_OPTION_KEYS = ['signal', 'timeoutMs', 'namespace', 'maxRetries'] as const;

/**
 * An app's options object read once into a plain one: each named key read exactly once, so a
 * getter that answers differently the second time cannot slip past the checks, and a getter or
 * Proxy that throws is an `InvalidRequestError` naming the key rather than a stray TypeError.
 * `null` and `undefined` mean no options. The values are checked afterwards by the caller.
 */
export function readOnce<K extends string>(
  value: unknown,
  keys: readonly K[],
  what: string,
): { [P in K]?: unknown } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function')
    throw new InvalidRequestError(`${what} must be an object, e.g. { timeoutMs: 5000 }`);
  const out: { [P in K]?: unknown } = {};
  for (const key of keys) {
    let item: unknown;
    try {
      item = (value as Record<string, unknown>)[key];
    } catch (thrown) {
      throw new InvalidRequestError(
        `reading ${what}.${key} threw ${whatWasThrown(thrown)}: pass plain values (a getter or a Proxy that throws cannot be read)`,
      );
    }
    if (item !== undefined) out[key] = item;
  }
  return out;
}

/** The deepest body nesting sent; deeper is a mistake (or an attack on the stack), not a Vault payload. */
const MAX_BODY_DEPTH = 200;

/**
 * Checks a call's arguments before anything is sent (and before a login is spent on them):
 * each problem is an `InvalidRequestError` naming the field and saying what to write instead,
 * never quoting a value (it may be a secret). Pure: no I/O, no state.
 */
export function checkRequest(spec: RequestToCheck): void {
  if (spec.method !== undefined && !(METHODS as readonly unknown[]).includes(spec.method)) {
    throw new InvalidRequestError(
      `method must be one of ${METHODS.join(', ')} (upper case)${typeof spec.method === 'string' && (METHODS as readonly string[]).includes(spec.method.toUpperCase()) ? `; write '${spec.method.toUpperCase()}'` : ''}`,
    );
  }
  encodeVaultPath(spec.path as string);
  checkCallOptions(spec);
  if (spec.query !== undefined) checkQuery(spec.query);
  if (spec.body !== undefined) checkBody(spec.body);
}

/** The per-call options alone (signal, timeoutMs, namespace, maxRetries): what every transport call re-checks. */
export function checkCallOptions(call: {
  signal?: unknown;
  timeoutMs?: unknown;
  namespace?: unknown;
  maxRetries?: unknown;
}): void {
  const { signal, timeoutMs, namespace, maxRetries } = call;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidRequestError(
      'signal must be an AbortSignal (from new AbortController().signal or AbortSignal.timeout(ms))',
    );
  }
  if (
    timeoutMs !== undefined &&
    !(
      typeof timeoutMs === 'number' &&
      Number.isInteger(timeoutMs) &&
      timeoutMs > 0 &&
      timeoutMs <= MAX_TIMER_MS
    )
  ) {
    throw new InvalidRequestError(
      `timeoutMs must be a whole number of milliseconds between 1 and ${MAX_TIMER_MS} (about 24.8 days), e.g. 5000`,
    );
  }
  if (namespace !== undefined) checkHeaderValue(namespace, 'namespace');
  if (
    maxRetries !== undefined &&
    !(typeof maxRetries === 'number' && Number.isInteger(maxRetries) && maxRetries >= 0 && maxRetries <= 20)
  ) {
    throw new InvalidRequestError('maxRetries must be a whole number from 0 to 20');
  }
}

/**
 * A value that goes into an HTTP header (a namespace, a token) must be a string HTTP can carry:
 * no CR or LF (a second header would be smuggled in), nothing outside Latin-1.
 */
export function checkHeaderValue(value: unknown, field: string): void {
  if (typeof value !== 'string') throw new InvalidRequestError(`${field} must be a string`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\u0000-\u0008\u000a-\u001f\u007f]|[^\u0000-\u00ff]/.test(value)) {
    throw new InvalidRequestError(
      `${field} holds a character an HTTP header cannot carry (a line break, a control character, or one outside Latin-1); remove it`,
    );
  }
}

function checkQuery(query: unknown): void {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw new InvalidRequestError(
      'query must be an object of names to strings, numbers or booleans, e.g. { version: 2 }',
    );
  }
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      throw new InvalidRequestError(
        `query.${key} must be a string, a finite number or a boolean (it is ${describeType(value)}); Vault reads query values as text`,
      );
    }
  }
}

/**
 * A body must become JSON without losing anything: no cycles, no BigInt, functions, symbols,
 * non-finite numbers, Maps or Sets (JSON.stringify throws on the first two and silently drops or
 * mangles the rest). Walked iteratively so that a deep body cannot overflow the stack.
 */
function checkBody(body: unknown): void {
  const stack: { value: unknown; where: string; depth: number; ancestors: Set<object> }[] = [
    { value: body, where: 'body', depth: 0, ancestors: new Set() },
  ];
  while (stack.length > 0) {
    const { value, where, depth, ancestors } = stack.pop()!;
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        continue;
      case 'number':
        if (!Number.isFinite(value))
          throw new InvalidRequestError(
            `${where} is ${value}, which JSON cannot hold (it would be sent as null)`,
          );
        continue;
      case 'bigint':
        throw new InvalidRequestError(
          `${where} is a BigInt, which JSON cannot hold; send it as a string (String(value)) or a number`,
        );
      case 'function':
      case 'symbol':
        throw new InvalidRequestError(
          `${where} is a ${typeof value}, which JSON would silently drop; remove it`,
        );
    }
    if (value === null) continue;
    const object = value as object;
    if (ancestors.has(object))
      throw new InvalidRequestError(
        `${where} refers back to an object that contains it (a cycle); JSON cannot hold it`,
      );
    if (depth >= MAX_BODY_DEPTH)
      throw new InvalidRequestError(`body is nested deeper than ${MAX_BODY_DEPTH} levels at ${where}`);
    if (
      object instanceof Map ||
      object instanceof Set ||
      object instanceof WeakMap ||
      object instanceof WeakSet
    ) {
      throw new InvalidRequestError(
        `${where} is a ${object.constructor.name}, which JSON sends as {} (its entries lost); convert it (Object.fromEntries(map), [...set])`,
      );
    }
    if (object instanceof Promise) throw new InvalidRequestError(`${where} is a Promise; await it first`);
    if (typeof (object as { toJSON?: unknown }).toJSON === 'function') continue;
    const inside = new Set(ancestors).add(object);
    if (Array.isArray(object)) {
      object.forEach((item, i) => {
        stack.push({ value: item, where: `${where}[${i}]`, depth: depth + 1, ancestors: inside });
      });
    } else {
      for (const [key, item] of Object.entries(object)) {
        stack.push({ value: item, where: `${where}.${key}`, depth: depth + 1, ancestors: inside });
      }
    }
  }
}

/** Only Node's own: a look-alike (or another realm's) cannot be listened to the way undici and the client do. */
function isAbortSignal(value: unknown): boolean {
  return value instanceof AbortSignal;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}
