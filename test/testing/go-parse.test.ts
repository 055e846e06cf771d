import { describe, expect, it } from 'vitest';
import { decodeFieldValue } from '../../src/testing/core/field-decode';
import { goDurationString, goQuote, goValue, humanDuration, rfc3339 } from '../../src/testing/core/go-format';
import { parseDurationSecond, parseGoDuration, parseGoInt } from '../../src/testing/core/go-parse';

/**
 * Go's parsers and formatters the mock answers with (Go's strconv and time packages,
 * go-secure-stdlib/parseutil, mitchellh/mapstructure v1.5), checked value by value against what
 * Go returns for the same input.
 */
describe('strconv.ParseInt', () => {
  it.each([
    ['42', 0, 42],
    ['-0x1F', 0, -31],
    ['0o17', 0, 15],
    ['017', 0, 15],
    ['0b101', 0, 5],
    ['1_000_000', 0, 1_000_000],
    ['0x_ff', 0, 255],
    ['+7', 10, 7],
    ['9007199254740991', 10, Number.MAX_SAFE_INTEGER],
  ] as const)('parses %s in base %d', (text, base, value) => {
    expect(parseGoInt(text, base)).toBe(value);
  });

  it.each([
    ['1_000', 10, 'invalid syntax'],
    ['_1', 0, 'invalid syntax'],
    ['1__0', 0, 'invalid syntax'],
    ['1_', 0, 'invalid syntax'],
    ['09', 0, 'invalid syntax'],
    ['0x', 0, 'invalid syntax'],
    ['1.5', 0, 'invalid syntax'],
    ['', 0, 'invalid syntax'],
    ['9223372036854775808', 10, 'value out of range'],
    ['-9223372036854775809', 0, 'value out of range'],
  ] as const)('refuses %j in base %d: %s', (text, base, why) => {
    expect(() => parseGoInt(text, base)).toThrow(`strconv.ParseInt: parsing ${goQuote(text)}: ${why}`);
  });
});

describe('time.ParseDuration and parseutil.ParseDurationSecond', () => {
  it.each([
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['90', 90],
    ['-15s', -15],
    ['2d', 172_800],
    ['1.999s', 1],
    ['-1.5s', -1],
    ['300ms', 0],
    ['1µs', 0],
    ['1h0.5m', 3630],
    ['', 0],
    [null, 0],
    [3600, 3600],
  ])('%j is %d seconds', (input, seconds) => {
    expect(parseDurationSecond(input)).toBe(seconds);
  });

  it.each([
    ['abc', 'time: invalid duration "abc"'],
    ['1.5', 'time: missing unit in duration "1.5"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['1h-5m', 'time: unknown unit "h-" in duration "1h-5m"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1.5d', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['5 m', 'time: unknown unit " m" in duration "5 m"'],
    ['9999999999h', 'time: invalid duration "9999999999h"'],
    ['1ü', 'time: unknown unit "\\xc3\\xbc" in duration "1\\xc3\\xbc"'],
  ])('refuses %j with %j', (input, message) => {
    expect(() => parseDurationSecond(input)).toThrow(message);
  });

  it('refuses what is neither a number nor a string', () => {
    expect(() => parseDurationSecond(true)).toThrow('could not parse duration from input');
    expect(() => parseDurationSecond({})).toThrow('could not parse duration from input');
  });

  it('keeps nanoseconds exact where a float would not', () => {
    expect(parseGoDuration('2562047h47m16.854775807s')).toBe(2n ** 63n - 1n);
  });
});

describe('mapstructure weak decoding', () => {
  it.each([
    ['string', 42, '42'],
    ['string', true, '1'],
    ['int', '', 0],
    ['int', false, 0],
    ['bool', '', false],
    ['bool', 1, true],
    ['bool', 'F', false],
    ['commaStringSlice', 'a, b ,,c', ['a', 'b', '', 'c']],
    ['commaStringSlice', 12, ['12']],
    ['stringSlice', 'a,b', ['a,b']],
    ['commaIntSlice', '1,2', [1, 2]],
    ['kvPairs', ['a=1', 'b=x=y'], { a: '1', b: 'x=y' }],
    ['kvPairs', { a: 1, b: true }, { a: '1', b: '1' }],
    ['map', [], {}],
    ['map', [{ a: 1 }, { b: 2 }], { a: 1, b: 2 }],
    ['slice', 'x', ['x']],
    ['lowercaseString', 'MiXeD', 'mixed'],
  ] as const)('%s from %j', (type, raw, value) => {
    expect(decodeFieldValue(type, raw)).toEqual(value);
  });

  it.each([
    ['bool', 2, `cannot parse '' as bool: strconv.ParseBool: parsing "2": invalid syntax`],
    [
      'string',
      { a: 1 },
      "'' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[a:1]'",
    ],
    ['map', 'x', "'' expected a map, got 'string'"],
    ['map', [1], "'[0]' expected a map, got 'string'"],
    [
      'commaIntSlice',
      'a,1,b',
      `2 error(s) decoding:\n\n* cannot parse '[0]' as int: strconv.ParseInt: parsing "a": invalid syntax\n* cannot parse '[2]' as int: strconv.ParseInt: parsing "b": invalid syntax`,
    ],
    ['duration', '-1m', "cannot provide negative value '-60'"],
    ['nameString', 'bad name', 'field does not match the formatting rules'],
    ['kvPairs', ['=v'], 'invalid key pair "=v"'],
  ] as const)('%s refuses %j', (type, raw, message) => {
    expect(() => decodeFieldValue(type, raw)).toThrow(message);
  });
});

describe('formatting', () => {
  it('prints values, durations and times as Go does', () => {
    expect(goValue({ b: [1, 'x'], a: null, c: { d: true } })).toBe('map[a:<nil> b:[1 x] c:map[d:true]]');
    expect(goDurationString(2_764_800)).toBe('768h0m0s');
    expect(goDurationString(-61)).toBe('-1m1s');
    expect(humanDuration(3600)).toBe('1h');
    expect(humanDuration(3660)).toBe('1h1m');
    expect(humanDuration(59)).toBe('59s');
    expect(goQuote('a"\n\u0007é\u200b')).toBe('"a\\"\\n\\aé\\u200b"');
    expect(rfc3339(Date.UTC(2024, 4, 1, 10, 0, 0, 0))).toBe('2024-05-01T10:00:00Z');
    expect(rfc3339(Date.UTC(2024, 4, 1, 10, 0, 0, 250))).toBe('2024-05-01T10:00:00.25Z');
  });
});
