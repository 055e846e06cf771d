import { inspect } from 'node:util';
import type { Logger } from '../types/logger';

export const REDACTED = '[redacted]';

/**
 * The secrets one client has handled (its Vault tokens, the service-account JWTs it sent) so
 * that any text leaving the client (error messages, log lines) can be scrubbed of them, even
 * when they arrive echoed inside a server's error string.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Remembers a secret; strings too short to be a credential are ignored to keep messages readable. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 8) this.#secrets.add(secret);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // Whatever we were told or not: Vault tokens and JWTs have recognisable shapes.
    return out
      .replace(/\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g, REDACTED)
      .replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED);
  }
}

/** A copy of `fields` whose values are fit for a log line: known-sensitive keys dropped, strings scrubbed. */
export function redactFields(fields: Record<string, unknown>, redactor: Redactor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (
      /token|jwt|password|secret_key|private_key|client_key/i.test(key) &&
      !/accessor|path|file/i.test(key)
    ) {
      out[key] = REDACTED;
    } else if (typeof value === 'string') {
      out[key] = redactor.text(value);
    } else if (value instanceof Error) {
      out[key] = redactor.text(`${value.name}: ${value.message}`);
    } else {
      out[key] = value;
    }
  }
  return out;
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

/** Values of a secret's data replaced with a marker, keys kept, so a printed object still says what it holds. */
export function maskValues(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data === undefined ? undefined : REDACTED;
  if (Array.isArray(data)) return data.map(maskValues);
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, maskValues(v)]));
}
