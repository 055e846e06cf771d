import { parseDuration } from '../../core/durations';
import { badRequest, multierror } from '../../core/vault-error';
import type { KeyMetadata, KvConfig } from './state';

/**
 * Field decoding as the plugin's framework does it (mapstructure's weak decoding), with the
 * framework's `error converting input <v> for field "<name>": <reason>` wording. The reasons are
 * mapstructure's messages as best read from its source; clients should not depend on them.
 */
export type FieldType = 'int' | 'bool' | 'map' | 'duration' | 'signedDuration' | 'intSlice';

type FieldValue<T extends FieldType> = T extends 'int' | 'duration' | 'signedDuration'
  ? number
  : T extends 'bool'
    ? boolean
    : T extends 'intSlice'
      ? number[]
      : Record<string, unknown> | null;

export type Fields<S extends Record<string, FieldType>> = { [K in keyof S]?: FieldValue<S[K]> };

/** The framework validates every schema field present in the request before the handler runs. */
export function readFields<S extends Record<string, FieldType>>(
  raw: Record<string, unknown>,
  schema: S,
): Fields<S> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(schema)) {
    if (!(name in raw)) continue;
    const value = raw[name];
    // A null duration counts as absent; every other null decodes to the type's zero value.
    if ((type === 'duration' || type === 'signedDuration') && value === null) continue;
    out[name] = decode(name, value, type);
  }
  return out as Fields<S>;
}

function decode(name: string, value: unknown, type: FieldType): unknown {
  const fail = (reason: string) =>
    badRequest(`error converting input ${goValue(value)} for field "${name}": ${reason}`);
  switch (type) {
    case 'int': {
      const n = weakInt(value, '');
      if (typeof n === 'string') throw fail(n);
      return n;
    }
    case 'bool':
      return weakBool(value, fail);
    case 'map':
      if (value === null) return null;
      if (isObject(value)) return value;
      if (Array.isArray(value) && value.length === 0) return {};
      throw fail(`'' expected a map, got '${goKind(value)}'`);
    case 'duration':
    case 'signedDuration': {
      const seconds = parseDuration(value, name);
      if (type === 'duration' && seconds < 0) throw fail(`cannot provide negative value '${seconds}'`);
      return seconds;
    }
    case 'intSlice': {
      if (value === null || value === '') return [];
      const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [value];
      return items.map((item, i) => {
        const n = weakInt(item, `[${i}]`);
        if (typeof n === 'string') throw fail(n);
        return n;
      });
    }
  }
}

/** mapstructure's weak int decoding: the number, or the error text. */
function weakInt(value: unknown, name: string): number | string {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    // Vault decodes JSON numbers as json.Number, which refuses a fraction when read as an int.
    if (Number.isInteger(value)) return value;
    return `error decoding json.Number into ${name}: strconv.ParseInt: parsing "${value}": invalid syntax`;
  }
  if (typeof value === 'string') {
    if (value === '') return 0;
    if (/^[+-]?\d+$/.test(value)) return Number.parseInt(value, 10);
    return `cannot parse '${name}' as int: strconv.ParseInt: parsing "${value}": invalid syntax`;
  }
  return `'${name}' expected type 'int', got unconvertible type '${goType(value)}', value: '${goValue(value)}'`;
}

function weakBool(value: unknown, fail: (reason: string) => Error): boolean {
  if (value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    if (/^(1|t|T|TRUE|true|True)$/.test(value)) return true;
    if (/^(0|f|F|FALSE|false|False)$/.test(value)) return false;
    throw fail(`cannot parse '' as bool: strconv.ParseBool: parsing "${value}": invalid syntax`);
  }
  throw fail(
    `'' expected type 'bool', got unconvertible type '${goType(value)}', value: '${goValue(value)}'`,
  );
}

/**
 * The plugin's check-and-set rule (validateCheckAndSetOption in path_data.go): a given `cas` must
 * equal the current version (0 for a key never written); without one, a write is refused when the
 * mount config or the key requires cas.
 */
export function checkCas(
  options: Record<string, unknown> | null | undefined,
  config: KvConfig,
  meta: KeyMetadata,
): void {
  if (options && 'cas' in options) {
    const cas = weakInt(options.cas, '');
    if (typeof cas === 'string') throw badRequest('error parsing check-and-set parameter');
    if (cas !== meta.currentVersion)
      throw badRequest('check-and-set parameter did not match the current version');
  } else if (config.casRequired || meta.casRequired) {
    throw badRequest('check-and-set parameter required for this call');
  }
}

const CUSTOM_PREFIX = 'custom_metadata validation failed';

/**
 * custom_metadata values are weakly decoded to strings (nulls dropped on patch, where they remove
 * a key), then checked as path_metadata.go does; all problems come back in one multierror text.
 */
export function customMetadata(raw: Record<string, unknown>, dropNulls: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (dropNulls && value === null) continue;
    if (value === null) out[key] = '';
    else if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number') out[key] = String(value);
    else if (typeof value === 'boolean') out[key] = value ? '1' : '0';
    else {
      throw badRequest(
        `${CUSTOM_PREFIX}: '' expected type 'string', got unconvertible type '${goType(value)}', value: '${goValue(value)}'`,
      );
    }
  }
  const keys = Object.keys(out);
  if (keys.length > 64) {
    throw badRequest(
      multierror([`${CUSTOM_PREFIX}: payload must contain at most 64 keys, provided ${keys.length}`]),
    );
  }
  const errors: string[] = [];
  for (const [key, value] of Object.entries(out)) {
    const keyLength = Buffer.byteLength(key);
    const valueLength = Buffer.byteLength(value);
    if (keyLength === 0 || keyLength > 128) {
      errors.push(
        `${CUSTOM_PREFIX}: length of key ${goQuote(key)} is ${keyLength} but must be 0 < len(key) <= 128`,
      );
    }
    if (valueLength === 0 || valueLength > 512) {
      errors.push(
        `${CUSTOM_PREFIX}: length of value for key ${goQuote(key)} is ${valueLength} but must be 0 < len(value) <= 512`,
      );
    }
    if (!printable(key))
      errors.push(`${CUSTOM_PREFIX}: key ${goQuote(key)} (${key}) contains unprintable characters`);
    if (!printable(value))
      errors.push(`${CUSTOM_PREFIX}: value for key ${goQuote(key)} contains unprintable characters`);
  }
  if (errors.length > 0) throw badRequest(multierror(errors));
  return out;
}

/** Go's unicode.IsPrint for every rune: letters, marks, numbers, punctuation, symbols and ASCII space. */
function printable(text: string): boolean {
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(text);
}

/** Go's %q for the common cases. */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's %v of a decoded JSON value. */
function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${k}:${goValue(value[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** reflect.Kind names as mapstructure prints them; JSON numbers are json.Number, a string kind. */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'slice';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

function goType(value: unknown): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (isObject(value)) return 'map[string]interface {}';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'json.Number';
  return 'string';
}
