/**
 * How the Vault Agent Injector's files are read. The injector's default template renders
 * `.Data` as `key: value` lines, with Go's `map[k:v ...]` for nested maps (so a KV v2 secret
 * arrives as `data: map[...]` and `metadata: map[...]` lines); `{{ .Data | toJSON }}` renders
 * JSON; env-style templates render `KEY=value` lines. Parsers are pure and throw on what they
 * cannot read, naming the line, never its value.
 */
export type FileFormat = 'auto' | 'map' | 'json' | 'env' | 'raw';
export type FileParser<T = unknown> = (text: string) => T;

export class FileFormatError extends Error {}

export interface Parsed {
  data: unknown;
  /** KV v2's version, when the file holds `.Data` of a KV v2 read (data and metadata). */
  version: number | undefined;
  metadata: Record<string, unknown> | undefined;
}

export function parseFile(text: string, format: FileFormat | FileParser): Parsed {
  if (typeof format === 'function') return { data: format(text), version: undefined, metadata: undefined };
  if (format === 'raw') return { data: text, version: undefined, metadata: undefined };
  // No key/values at all is a file caught between truncation and write, never credentials to hand out.
  if (contentLines(text).length === 0)
    throw new FileFormatError('it holds no key/values (a write in progress?)');
  switch (format) {
    case 'json':
      return unwrapKv(parseJson(text));
    case 'env':
      return unwrapKv(parseEnv(text));
    case 'map':
      return unwrapKv(parseMap(text));
    default:
      return unwrapKv(detect(text));
  }
}

/** `auto`: JSON when it is a JSON object, `KEY=value` lines when every line is one, else the map template. */
function detect(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseJson(text);
  const lines = contentLines(text);
  if (lines.length > 0 && lines.every(({ line }) => ENV_LINE.test(line))) return parseEnv(text);
  return parseMap(text);
}

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FileFormatError('it is not complete JSON (a partial write, or another format)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FileFormatError('its JSON is not an object of key/values');
  return value as Record<string, unknown>;
}

function contentLines(text: string): { line: string; number: number }[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
}

const ENV_LINE = /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*=/;

function parseEnv(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { line, number } of contentLines(text)) {
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/.exec(line);
    if (!match) throw new FileFormatError(`line ${number} is not KEY=value`);
    out[match[1]!] = unquote(match[2]!.trim(), number);
  }
  return out;
}

function unquote(value: string, line: number): string {
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"'))
      throw new FileFormatError(`line ${line} has an unterminated quote`);
    return value
      .slice(1, -1)
      .replace(/\\(["\\nt$])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  }
  if (value.startsWith("'")) {
    if (value.length < 2 || !value.endsWith("'"))
      throw new FileFormatError(`line ${line} has an unterminated quote`);
    return value.slice(1, -1);
  }
  return value;
}

/** `key: value` lines; a value written by Go as `map[k:v k2:v2]` becomes an object. */
function parseMap(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { line, number } of contentLines(text)) {
    const at = line.indexOf(': ');
    const key = at === -1 ? (line.endsWith(':') ? line.slice(0, -1) : '') : line.slice(0, at);
    if (key === '' || /\s/.test(key)) throw new FileFormatError(`line ${number} is not "key: value"`);
    const value = at === -1 ? '' : line.slice(at + 2);
    out[key] = goMap(value) ?? value;
  }
  return out;
}

/**
 * Go's fmt for a map: `map[a:1 b:x y]`, keys sorted. Values may hold spaces, so a new entry
 * starts only where a space is followed by `key:`; nested maps are read recursively.
 */
export function goMap(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('map[') || !text.endsWith(']')) return undefined;
  const inner = text.slice(4, -1);
  const out: Record<string, unknown> = {};
  if (inner === '') return out;
  let depth = 0;
  let start = 0;
  const entries: string[] = [];
  for (let i = 0; i < inner.length; i++) {
    if (inner.startsWith('map[', i)) depth++;
    else if (inner[i] === ']' && depth > 0) depth--;
    else if (inner[i] === ' ' && depth === 0 && /^[^\s:[\]]+:/.test(inner.slice(i + 1))) {
      entries.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  entries.push(inner.slice(start));
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) return undefined;
    const value = entry.slice(colon + 1);
    out[entry.slice(0, colon)] = goMap(value) ?? value;
  }
  return out;
}

/** A KV v2 read's `.Data` is `{ data, metadata }`: unwrapped as the client unwraps KV v2. */
function unwrapKv(value: Record<string, unknown>): Parsed {
  const keys = Object.keys(value);
  const { data, metadata } = value as { data?: unknown; metadata?: unknown };
  if (
    keys.length === 2 &&
    typeof data === 'object' &&
    data !== null &&
    typeof metadata === 'object' &&
    metadata !== null &&
    'version' in metadata
  ) {
    const raw = (metadata as { version: unknown }).version;
    const version = typeof raw === 'number' ? raw : Number.parseInt(String(raw), 10);
    return {
      data,
      version: Number.isFinite(version) ? version : undefined,
      metadata: metadata as Record<string, unknown>,
    };
  }
  return { data: value, version: undefined, metadata: undefined };
}
