import { InvalidRequestError, type RequestSpec, VaultConfigError } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRequest } from '../../src/http/request-check';
import { type HostileVault, reply, startHostileVault } from './server';
import { observe } from './transport-support';

let vault: HostileVault | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await vault?.close();
  vault = undefined;
});

const circular: Record<string, unknown> = { name: 'x' };
circular.self = circular;
let deep: unknown = 'bottom';
for (let i = 0; i < 10_000; i++) deep = { deeper: deep };

const spec = (extra: Record<string, unknown>) =>
  ({ method: 'POST', path: 'secret/data/app', ...extra }) as RequestSpec;

/** [what, the call's arguments, what the message must say (it names the field)] */
const CASES: [string, RequestSpec, RegExp][] = [
  [
    'a circular body',
    spec({ body: { data: circular } }),
    /body\.data\.self refers back to an object that contains it/,
  ],
  ['a BigInt in the body', spec({ body: { data: { n: 10n } } }), /body\.data\.n is a BigInt/],
  [
    'a function in the body',
    spec({ body: { data: { f: () => 1 } } }),
    /body\.data\.f is a function, which JSON would silently drop/,
  ],
  ['a symbol in the body', spec({ body: { data: { s: Symbol('x') } } }), /body\.data\.s is a symbol/],
  ['NaN in the body', spec({ body: { data: { n: Number.NaN } } }), /body\.data\.n is NaN/],
  [
    'a Map in the body',
    spec({ body: { data: new Map([['a', 1]]) } }),
    /body\.data is a Map.*Object\.fromEntries/,
  ],
  ['a body nested 10,000 deep', spec({ body: deep }), /nested deeper than 200 levels/],
  ['method TRACE', spec({ method: 'TRACE' }), /method must be one of GET, POST, PUT, DELETE, PATCH, LIST/],
  ['method in lower case', spec({ method: 'get' }), /write 'GET'/],
  ['method with junk', spec({ method: 'G\r\nET' }), /method must be one of/],
  [
    'CR/LF in the namespace',
    spec({ namespace: 'team-a\r\nX-Evil: 1' }),
    /namespace holds a character an HTTP header cannot carry/,
  ],
  ['a namespace outside Latin-1', spec({ namespace: 'team-✓' }), /namespace holds a character/],
  ['a namespace that is not a string', spec({ namespace: 42 }), /namespace must be a string/],
  ['timeoutMs -1', spec({ timeoutMs: -1 }), /timeoutMs must be a whole number of milliseconds between 1 and/],
  ['timeoutMs NaN', spec({ timeoutMs: Number.NaN }), /timeoutMs must be/],
  ['timeoutMs Infinity', spec({ timeoutMs: Number.POSITIVE_INFINITY }), /timeoutMs must be/],
  ['timeoutMs 1e12', spec({ timeoutMs: 1e12 }), /timeoutMs must be.*24\.8 days/],
  ['timeoutMs as a string', spec({ timeoutMs: '5000' }), /timeoutMs must be/],
  [
    'a fake signal',
    spec({ signal: { aborted: false, addEventListener() {} } }),
    /signal must be an AbortSignal/,
  ],
  [
    'a query value that is an object',
    spec({ query: { version: { n: 2 } } }),
    /query\.version must be a string, a finite number or a boolean \(it is a object\)/,
  ],
  ['a query value that is null', spec({ query: { version: null } }), /query\.version must be.*it is null/],
  ['a query that is an array', spec({ query: [['version', 2]] }), /query must be an object/],
  ['maxRetries -1', spec({ maxRetries: -1 }), /maxRetries must be a whole number from 0 to 20/],
  ['a path that climbs out', spec({ path: 'secret/../sys/seal' }), /has an empty, '\.' or '\.\.' segment/],
];

describe('class 8: bad call arguments are refused with InvalidRequestError naming the field, before any I/O', () => {
  it.each(CASES)('%s', async (_name, call, message) => {
    vault = await startHostileVault();
    vault.route('*', reply.lookupSelf());
    const o = observe(vault);
    close = () => o.client.close();
    const error = (await o.failure(o.client.request(call))) as Error;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toMatch(message);
    // Nothing was sent: not the call, not the token lookup (the first call's login) before it.
    expect(vault.requests).toEqual([]);
    // The pure check gives the same answer, so the client can run it at any entry point.
    expect(() => checkRequest(call)).toThrow(message);
  });

  it('a token that cannot go in a header is refused before it is sent, and never printed', async () => {
    vault = await startHostileVault();
    vault.route('*', reply.lookupSelf());
    const token = 'hvs.CAESIJlU-token-with\r\nX-Injected: yes';
    // The option is refused where it is given, at construction: nothing is ever sent with it.
    let error: unknown;
    try {
      observe(vault, { auth: { method: 'token', token } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VaultConfigError);
    expect((error as Error).message).toMatch(/option 'auth.token': contains a line break/);
    expect(vault.requests).toEqual([]);
    expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain('CAESIJlU-token-with');
  });

  it('good arguments pass the check untouched (the check refuses only what cannot be sent)', () => {
    for (const good of [
      spec({
        body: { data: { a: 'b', n: 1, f: 1.5, t: true, nil: null, list: [1, 'x'], when: new Date(0) } },
      }),
      spec({
        method: 'LIST',
        body: undefined,
        query: { version: 2, flag: true, name: 'x', skip: undefined },
      }),
      spec({
        namespace: 'team-ä/sub',
        timeoutMs: 2_147_483_647,
        maxRetries: 0,
        signal: AbortSignal.timeout(1_000),
      }),
    ])
      expect(() => checkRequest(good)).not.toThrow();
  });
});
