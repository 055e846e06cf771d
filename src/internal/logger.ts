import type { Logger, LogLevel } from '../types/logger';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const NAME = 'vault-kubernetes-client';

/** Where the default logger writes: stderr, or anything with `write` and `isTTY` in tests. */
export interface LogSink {
  write(line: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * The default logger: one line per entry on stderr. When stderr is not a terminal (a container,
 * where a log collector reads it) each line is a JSON object, `{"time","level","name","msg",...fields}`,
 * the shape pino writes and collectors parse; on a terminal it is a readable one-liner. Nothing a
 * field holds can break the line or the logger: newlines are escaped, values JSON cannot hold
 * (BigInt, cycles, functions) are written as text.
 */
export function createDefaultLogger(
  sink: LogSink = process.stderr,
  now: () => Date = () => new Date(),
): Logger {
  const write = (level: keyof Logger) => (fields: Record<string, unknown>, message: string) => {
    const time = now().toISOString();
    sink.write(
      `${sink.isTTY === true ? pretty(time, level, fields, message) : jsonLine(time, level, fields, message)}\n`,
    );
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** The logger used when the app passes none; `logLevel` (default `warn`) filters it. */
export const consoleLogger: Logger = createDefaultLogger();

function jsonLine(time: string, level: string, fields: Record<string, unknown>, message: string): string {
  const head = { time, level, name: NAME, msg: String(message) };
  const entry: Record<string, unknown> = { ...head };
  for (const [key, value] of safeEntries(fields)) {
    // The entry's own keys stay authoritative; a field of the same name is kept under another.
    // A function (a `toJSON` among them) is written as text, never called.
    entry[key in head ? `field.${key}` : key] = typeof value === 'function' ? '[function]' : value;
  }
  return safeStringify(entry) ?? safeStringify({ ...head, fields: '[unserializable]' }) ?? '{}';
}

function pretty(time: string, level: string, fields: Record<string, unknown>, message: string): string {
  const parts = safeEntries(fields)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' ? oneLine(value) : (safeStringify(value) ?? '[unserializable]')}`,
    );
  const tail = parts.length > 0 ? ` (${parts.join(' ')})` : '';
  return `${time} ${level.toUpperCase().padEnd(5)} ${NAME}: ${oneLine(String(message))}${tail}`;
}

/** Control characters written as escapes: an entry is always one line, and cannot forge another. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\r'
        ? '\\r'
        : c === '\t'
          ? ' '
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function safeEntries(fields: unknown): [string, unknown][] {
  try {
    return typeof fields === 'object' && fields !== null ? Object.entries(fields) : [];
  } catch {
    return [['fields', '[unreadable]']];
  }
}

/** JSON of anything: BigInt as text, cycles marked, errors as name, code and message; undefined if it throws. */
function safeStringify(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'function' || typeof v === 'symbol') return `[${typeof v}]`;
        if (v instanceof Error) {
          return {
            name: v.name,
            message: v.message,
            ...('code' in v ? { code: (v as { code: unknown }).code } : {}),
          };
        }
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? 'null'
    );
  } catch {
    return undefined;
  }
}

/** Drops lines below `level`; a logger that throws is ignored rather than breaking the client. */
export function filterLogger(logger: Logger, level: LogLevel): Logger {
  const at =
    (name: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      if (ORDER[name] < ORDER[level]) return;
      try {
        logger[name](fields, message);
      } catch {
        // logging must never break the client
      }
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
