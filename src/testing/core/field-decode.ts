import { goKindName, goQuote, goTypeName, goValue } from './go-format';
import { parseDurationSecond, parseGoBool, parseGoFloat, parseGoInt } from './go-parse';

/*
 * One request value decoded to a field type, as sdk/framework/field_data.go getPrimitive does it:
 * mitchellh/mapstructure's weak decoding (v1.5, the version Vault's sdk pins) and
 * go-secure-stdlib/parseutil. Request bodies are decoded with UseNumber, so a JSON number is a
 * json.Number: a string kind, which is why `1.5` for an int fails as a string would.
 *
 * Errors are thrown as plain Errors carrying Go's text; the framework wraps them.
 */

/** The framework's field types the mock implements (sdk/framework/field_type.go). */
export type FieldType =
  | 'string'
  | 'lowercaseString'
  | 'nameString'
  | 'int'
  | 'float'
  | 'bool'
  | 'duration'
  | 'signedDuration'
  | 'map'
  | 'kvPairs'
  | 'slice'
  | 'stringSlice'
  | 'commaStringSlice'
  | 'commaIntSlice';

/** The TypeScript value a handler receives for each field type. Durations are whole seconds. */
export interface FieldValueOf {
  string: string;
  lowercaseString: string;
  nameString: string;
  int: number;
  float: number;
  bool: boolean;
  duration: number;
  signedDuration: number;
  /** null when the request sent `null` (Go's nil map). */
  map: Record<string, unknown> | null;
  kvPairs: Record<string, string>;
  slice: unknown[];
  stringSlice: string[];
  commaStringSlice: string[];
  commaIntSlice: number[];
}

/** FieldType.Zero(). */
export function zeroValue<T extends FieldType>(type: T): FieldValueOf[T] {
  const zero: { [K in FieldType]: () => FieldValueOf[K] } = {
    string: () => '',
    lowercaseString: () => '',
    nameString: () => '',
    int: () => 0,
    float: () => 0,
    bool: () => false,
    duration: () => 0,
    signedDuration: () => 0,
    map: () => ({}),
    kvPairs: () => ({}),
    slice: () => [],
    stringSlice: () => [],
    commaStringSlice: () => [],
    commaIntSlice: () => [],
  };
  return zero[type]();
}

/**
 * A non-null, present value decoded to `type` (null is the caller's business: Vault treats it
 * as absent for durations and as the zero value for everything else).
 */
export function decodeFieldValue<T extends FieldType>(type: T, raw: unknown): FieldValueOf[T] {
  return DECODERS[type](raw) as FieldValueOf[T];
}

const DECODERS: { [K in FieldType]: (raw: unknown) => FieldValueOf[K] } = {
  string: (raw) => weakString('', raw),
  lowercaseString: (raw) => weakString('', raw).toLowerCase(),
  nameString: (raw) => {
    const text = weakString('', raw);
    if (!/^\w(([\w.-]+)?\w)?$/.test(text)) throw new Error('field does not match the formatting rules');
    return text;
  },
  int: (raw) => weakInt('', raw),
  float: (raw) => weakFloat('', raw),
  bool: (raw) => weakBool('', raw),
  duration: (raw) => {
    const seconds = parseDurationSecond(raw);
    if (seconds < 0) throw new Error(`cannot provide negative value '${seconds}'`);
    return seconds;
  },
  signedDuration: (raw) => parseDurationSecond(raw),
  map: (raw) => weakMap('', raw),
  kvPairs: (raw) => {
    try {
      return weakStringMap('', raw);
    } catch {
      const pairs = weakSlice('', raw, weakString);
      const out: Record<string, string> = {};
      for (const pair of pairs) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new Error(`invalid key pair ${goQuote(pair)}`);
        out[pair.slice(0, at)] = pair.slice(at + 1);
      }
      return out;
    }
  },
  slice: (raw) => weakSlice('', raw, (_name, value) => value),
  stringSlice: (raw) => {
    if (raw === '') return [];
    return weakSlice('', raw, weakString).map((s) => s.trim());
  },
  commaStringSlice: (raw) => {
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (text === '') return [];
    return weakSlice('', splitHook(text), weakString).map((s) => s.trim());
  },
  commaIntSlice: (raw) => {
    const text = typeof raw === 'number' ? String(raw) : raw;
    return weakSlice('', splitHook(text), weakInt);
  },
};

/** mapstructure.StringToSliceHookFunc(","): a string aimed at a slice is split first. */
function splitHook(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  return raw === '' ? [] : raw.split(',');
}

function unconvertible(name: string, target: string, value: unknown): Error {
  return new Error(
    `'${name}' expected type '${target}', got unconvertible type '${goTypeName(value)}', value: '${goValue(value)}'`,
  );
}

/** A json.Number and a string are both string kinds to mapstructure. */
function stringKind(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function weakString(name: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = stringKind(value);
  if (text !== undefined) return text;
  if (typeof value === 'boolean') return value ? '1' : '0';
  throw unconvertible(name, 'string', value);
}

function weakInt(name: string, value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = stringKind(value);
  if (text === undefined) throw unconvertible(name, 'int', value);
  try {
    return parseGoInt(text === '' ? '0' : text, 0);
  } catch (error) {
    throw new Error(`cannot parse '${name}' as int: ${(error as Error).message}`);
  }
}

function weakFloat(name: string, value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = stringKind(value);
  if (text === undefined) throw unconvertible(name, 'float64', value);
  try {
    return parseGoFloat(text === '' ? '0' : text);
  } catch (error) {
    throw new Error(`cannot parse '${name}' as float: ${(error as Error).message}`);
  }
}

function weakBool(name: string, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const text = stringKind(value);
  if (text === undefined) throw unconvertible(name, 'bool', value);
  if (text === '') return false;
  try {
    return parseGoBool(text);
  } catch (error) {
    throw new Error(`cannot parse '${name}' as bool: ${(error as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Into map[string]interface{}: an object, or a list of objects merged in order. */
function weakMap(name: string, value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (isRecord(value)) return { ...value };
  if (Array.isArray(value)) {
    const merged: Record<string, unknown> = {};
    value.forEach((item, i) => {
      if (item === null) return;
      if (!isRecord(item)) throw new Error(`'${name}[${i}]' expected a map, got '${goKindName(item)}'`);
      Object.assign(merged, item);
    });
    return merged;
  }
  throw new Error(`'${name}' expected a map, got '${goKindName(value)}'`);
}

/** Into map[string]string, each value weakly decoded to a string. */
function weakStringMap(name: string, value: unknown): Record<string, string> {
  if (!isRecord(value)) {
    if (Array.isArray(value) && value.length === 0) return {};
    throw new Error(`'${name}' expected a map, got '${goKindName(value)}'`);
  }
  const errors: string[] = [];
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    try {
      out[key] = weakString(`${name}[${key}]`, item);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (errors.length > 0) throw decodingErrors(errors);
  return out;
}

/**
 * Into a slice: a list element by element (errors collected, as mapstructure.Error), an empty
 * map as an empty list, and any other single value lifted into a one-element list.
 */
function weakSlice<T>(name: string, value: unknown, element: (name: string, value: unknown) => T): T[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    if (isRecord(value) && Object.keys(value).length === 0) return [];
    return weakSlice(name, [value], element);
  }
  const errors: string[] = [];
  const out = value.map((item, i) => {
    try {
      return element(`${name}[${i}]`, item);
    } catch (error) {
      errors.push((error as Error).message);
      return undefined as T;
    }
  });
  if (errors.length > 0) throw decodingErrors(errors);
  return out;
}

/** mapstructure.Error's text: the count, then each error as a sorted bullet. */
function decodingErrors(errors: string[]): Error {
  const points = errors.map((e) => `* ${e}`).sort();
  return new Error(`${errors.length} error(s) decoding:\n\n${points.join('\n')}`);
}
