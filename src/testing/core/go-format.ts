/**
 * Go's formatting of values, which Vault passes to clients verbatim inside error strings,
 * warnings and response fields: `%q` (strconv.Quote), `%v` of decoded JSON, reflect type names,
 * time.Duration's String(), the framework's humanDuration, and time.Time in RFC 3339. Every
 * backend of the mock formats through here, so each rule has one copy.
 */

/** strconv.Quote: `%q` of a string. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const escaped = SIMPLE_ESCAPES[char];
    if (escaped) out += escaped;
    else if (isGoPrintable(char)) out += char;
    else if (code < 0x80) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space only. */
export function isGoPrintable(char: string): boolean {
  return char === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/**
 * The time package's own quote() (used by time.ParseDuration's errors), which differs from
 * strconv.Quote: only `"` and `\` are escaped, and bytes outside printable ASCII become `\xNN`.
 */
export function goTimeQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(char, 'utf8')) out += `\\x${hex(byte, 2)}`;
    } else {
      out += char === '"' || char === '\\' ? `\\${char}` : char;
    }
  }
  return `${out}"`;
}

/**
 * `%v` of a value decoded from a JSON request body (numbers arrive as json.Number, so they print
 * as written): maps as `map[k:v]` with sorted keys, slices as `[a b]`, null as `<nil>`.
 */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .map((key) => `${key}:${goValue(record[key])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** reflect.Type's String() of a decoded JSON value, as mapstructure names it in errors. */
export function goTypeName(value: unknown): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (value !== null && typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'json.Number';
  return 'string';
}

/** reflect.Kind's String(); json.Number is a string kind. */
export function goKindName(value: unknown): string {
  if (Array.isArray(value)) return 'slice';
  if (value !== null && typeof value === 'object') return 'map';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

/** time.Duration.String() for whole seconds: "768h0m0s", "1m30s", "0s", "-1s". */
export function goDurationString(seconds: number): string {
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(Math.trunc(seconds));
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/**
 * sdk/framework/lease.go humanDuration: Duration.String() with the zero trailing units dropped
 * ("1h" rather than "1h0m0s"), as Vault prints TTLs in its capping warnings.
 */
export function humanDuration(seconds: number): string {
  let text = goDurationString(seconds);
  if (text.endsWith('m0s')) text = text.slice(0, -2);
  if (text.endsWith('h0m')) text = text.slice(0, -2);
  return text;
}

/**
 * time.Time as encoding/json writes it (RFC 3339 with nanoseconds, trailing zeros of the
 * fraction dropped), in UTC: `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.25Z`.
 */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
