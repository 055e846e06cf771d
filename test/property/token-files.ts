import fc from 'fast-check';
import type { ServiceAccountTokenProblem } from 'vault-kubernetes-client';

/**
 * Token files as a pod might find them: JWTs with arbitrary claims, parts that cannot decode,
 * garbage bytes, wrong encodings and wrappings. Each carries the outcome loading it must have.
 */

export const NOW = Date.UTC(2026, 0, 1);
export const NOW_S = NOW / 1000;

export const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64url');
export type Expect = 'ok' | 'expired' | ServiceAccountTokenProblem | 'any';
/** Counterexamples show the file as text (cut short), not as a Buffer of byte values. */
export function shown(file: TokenFile): TokenFile {
  const text = file.bytes.toString('utf8');
  return Object.defineProperty(file, fc.toStringMethod, {
    configurable: true,
    value: () => `${file.expect}: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)}`,
  });
}

export interface TokenFile {
  bytes: Buffer;
  expect: Expect;
  /** The payload part, which must never show up in an error message. */
  payload: string;
}

const timeClaim = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((d) => ({ value: NOW_S + d, number: true })),
  fc
    .constantFrom(1e300, -1e300, 8.64e12 + 1, -8.64e12 - 1, NOW_S + 0.5)
    .map((value) => ({ value, number: true })),
  fc
    .constantFrom('1700000000', null, { toString: 1 }, [NOW_S], true)
    .map((value) => ({ value, number: false })),
);
const weird = fc.constantFrom<unknown>(null, 5, 'x', [], {}, { toString: 1 }, ['a', 1, { toString: 1 }]);
const claims = fc.record(
  {
    exp: timeClaim,
    nbf: timeClaim,
    iat: timeClaim,
    iss: fc.oneof(fc.constant('https://kubernetes.default.svc'), weird),
    aud: fc.oneof(fc.constant(['vault']), fc.constant('vault'), weird),
    'kubernetes.io': fc.oneof(
      fc.constant({ namespace: 'default', serviceaccount: { name: 'myapp-sa', uid: 'u' } }),
      fc.record({ namespace: weird, serviceaccount: fc.oneof(weird, fc.record({ name: weird })) }),
      weird,
    ),
  },
  { requiredKeys: [] },
);

/** A JWT from generated claims; its outcome follows from exp and whether every time claim is a number. */
export const wellFormed: fc.Arbitrary<TokenFile> = claims.map((c) => {
  const payload: Record<string, unknown> = {};
  let timesOk = true;
  for (const [key, value] of Object.entries(c)) {
    const time = value as { value: unknown; number: boolean } | unknown;
    if (['exp', 'nbf', 'iat'].includes(key)) {
      payload[key] = (time as { value: unknown }).value;
      timesOk &&= (time as { number: boolean }).number;
    } else payload[key] = value;
  }
  const exp = payload.exp as number | undefined;
  const expect: Expect = !timesOk ? 'malformed' : exp !== undefined && exp * 1000 <= NOW ? 'expired' : 'ok';
  const part = b64(JSON.stringify(payload));
  return shown({
    bytes: Buffer.from(`${b64('{"alg":"RS256"}')}.${part}.${b64('signature')}`),
    expect,
    payload: part,
  });
});

/** Parts that cannot make a JWT: bad characters, padding, not JSON, JSON that is not an object. */
const badPart = fc.constantFrom(
  '!!!',
  'ab+/',
  `${b64('{"a":1}')}==`,
  b64('not json'),
  b64('[1]'),
  b64('5'),
  b64('null'),
  '',
);
const brokenParts: fc.Arbitrary<TokenFile> = fc
  .tuple(badPart, fc.constantFrom(b64('{"alg":"RS256"}'), '!!!'), fc.constantFrom('c2ln', '', '***'))
  .map(([payload, header, sig]) => ({
    bytes: Buffer.from(`${header}.${payload}.${sig}`),
    expect: 'malformed' as const,
    payload,
  }));

/** The same bytes as a pod would never get them, or harmlessly wrapped. */
const transform = (file: TokenFile): fc.Arbitrary<TokenFile> => {
  const text = file.bytes.toString('utf8');
  const keep = (bytes: Buffer): TokenFile => ({ ...file, bytes });
  const broken = (bytes: Buffer): TokenFile => ({ ...file, bytes, expect: 'malformed' });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(file) },
    fc.constantFrom(
      keep(Buffer.from(`\uFEFF${text}`)),
      keep(Buffer.from(`${text}\r\n`)),
      keep(Buffer.from(`  ${text}\n\n`)),
      broken(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])),
      broken(Buffer.from(text, 'utf16le')),
      broken(Buffer.from(Buffer.from(text).toString('base64'))),
      broken(Buffer.from(`${text}\n${text}`)),
    ),
    // A space strictly inside: at either end, trim() would make the token whole again.
    fc
      .nat()
      .map((n) => 1 + (n % (text.length - 1)))
      .map((at) => broken(Buffer.from(`${text.slice(0, at)} ${text.slice(at)}`))),
    fc
      .nat()
      .map((n) => keep(Buffer.from(text.slice(0, n % (text.length + 1)))))
      .map((f) => ({ ...f, expect: 'any' as const })),
  );
};

export const HUGE = 'a'.repeat(5 * 1024 * 1024);
export const anyFile: fc.Arbitrary<TokenFile> = fc
  .oneof(
    { weight: 6, arbitrary: wellFormed.chain(transform) },
    { weight: 2, arbitrary: brokenParts.chain(transform) },
    {
      weight: 2,
      arbitrary: fc
        .uint8Array({ maxLength: 300 })
        .map((b) => ({ bytes: Buffer.from(b), expect: 'any' as const, payload: '' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', ' ', '\n\n', '\uFEFF', '\t\r\n')
        .map((t) => ({ bytes: Buffer.from(t), expect: 'empty' as const, payload: '' })),
    },
  )
  .map(shown);
