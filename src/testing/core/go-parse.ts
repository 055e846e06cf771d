import { goQuote, goTimeQuote } from './go-format';

/*
 * Go's parsers as Vault's field decoding reaches them (strconv.ParseInt, ParseBool, ParseFloat,
 * time.ParseDuration and parseutil.ParseDurationSecond), each with Go's error text, because
 * Vault hands that text to clients. They throw a plain Error whose message is Go's err.Error().
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(text, base, 64) for base 0 (Go literal prefixes, underscores) or 10. */
export function parseGoInt(text: string, base: 0 | 10): number {
  const fail = (why: string) => new Error(`strconv.ParseInt: parsing ${goQuote(text)}: ${why}`);
  let body = text;
  let negative = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    negative = body.startsWith('-');
    body = body.slice(1);
  }
  if (body === '') throw fail('invalid syntax');
  let radix = 10;
  let digits = body;
  if (base === 0) {
    const prefix = body.slice(0, 2).toLowerCase();
    if (prefix === '0x') radix = 16;
    else if (prefix === '0o') radix = 8;
    else if (prefix === '0b') radix = 2;
    if (radix !== 10) digits = body.slice(2);
    else if (body.length > 1 && body.startsWith('0')) {
      // A bare leading zero means octal, as in Go source: "010" is 8.
      radix = 8;
      digits = body.slice(1);
    }
    if (!underscoresOk(body)) throw fail('invalid syntax');
    digits = digits.replaceAll('_', '');
  }
  const alphabet = '0123456789abcdef'.slice(0, radix);
  if (digits === '' || ![...digits.toLowerCase()].every((c) => alphabet.includes(c))) {
    throw fail('invalid syntax');
  }
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const magnitude = BigInt(`${prefix}${digits}`);
  const value = negative ? -magnitude : magnitude;
  if (value < INT64_MIN || value > INT64_MAX) throw fail('value out of range');
  return Number(value);
}

/** strconv's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoresOk(text: string): boolean {
  let saw = '^';
  let i = 0;
  let hexadecimal = false;
  if (text.length >= 2 && text[0] === '0' && 'bBoOxX'.includes(text[1] ?? '')) {
    hexadecimal = 'xX'.includes(text[1] ?? '');
    i = 2;
    saw = '0';
  }
  for (; i < text.length; i++) {
    const c = text[i] ?? '';
    if (/[0-9]/.test(c) || (hexadecimal && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`);
}

/** strconv.ParseFloat(text, 64) for decimal forms and the special values. */
export function parseGoFloat(text: string): number {
  const special = text.replace(/^[+-]/, '').toLowerCase();
  const sign = text.startsWith('-') ? -1 : 1;
  if (special === 'inf' || special === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (special === 'nan') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new Error(`strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
  }
  return Number(text);
}

const NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** time.ParseDuration, in nanoseconds. */
export function parseGoDuration(text: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${goTimeQuote(text)}`);
  let s = text;
  let negative = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const whole = /^[0-9]*/.exec(s)?.[0] ?? '';
    s = s.slice(whole.length);
    let fraction = '';
    let sawFraction = false;
    if (s.startsWith('.')) {
      s = s.slice(1);
      fraction = /^[0-9]*/.exec(s)?.[0] ?? '';
      s = s.slice(fraction.length);
      sawFraction = fraction !== '';
    }
    if (whole === '' && !sawFraction) throw invalid();
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${goTimeQuote(text)}`);
    s = s.slice(unit.length);
    const scale = NANOS[unit];
    if (scale === undefined) {
      throw new Error(`time: unknown unit ${goTimeQuote(unit)} in duration ${goTimeQuote(text)}`);
    }
    let value = BigInt(whole === '' ? '0' : whole) * scale;
    if (fraction !== '') {
      // Go keeps the fraction's digits as far as they matter and rounds down.
      value += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    }
    total += value;
    if (total > INT64_MAX + (negative ? 1n : 0n)) throw invalid();
  }
  return negative ? -total : total;
}

/**
 * parseutil.ParseDurationSecond, in whole seconds (Vault truncates with int(d.Seconds())): an
 * integer of seconds, an integer with Vault's `d` suffix, or a Go duration string.
 */
export function parseDurationSecond(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') throw new Error('could not parse duration from input');
  if (text === '') return 0;
  if (/^[+-]?\d+$/.test(text)) return parseGoInt(text, 10);
  if (text.endsWith('d')) return parseGoInt(text.slice(0, -1), 10) * 86_400;
  const nanos = parseGoDuration(text);
  return Number(nanos / 1_000_000_000n);
}
