import fc from 'fast-check';
import { InvalidRequestError, VaultKubernetesClient } from 'vault-kubernetes-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  describeUntyped,
  json,
  type Received,
  type ScriptedServer,
  settleWithin,
  startScriptedServer,
  strictLogger,
} from './support';

/*
 * Whatever path an app hands the client (built from user input, copied from a curl line), the
 * call is refused with InvalidRequestError before anything is sent, or the one request that
 * reaches the server names exactly that path once the server has percent-decoded it, as Vault's
 * router does. Never a neighbour, never a parent.
 */

const TOKEN = 'hvs.PATHSpropertyTOKEN0123456789abcdef';
let server: ScriptedServer;
let client: VaultKubernetesClient;
beforeAll(async () => {
  server = await startScriptedServer();
  server.script = (req) =>
    req.path === 'auth/token/lookup-self'
      ? { status: 200, body: json({ data: { accessor: 'a', policies: ['root'], ttl: 0 } }) }
      : { status: 200, body: json({ data: { keys: [] } }) };
  client = new VaultKubernetesClient({
    address: server.address,
    auth: { method: 'token', token: TOKEN },
    retry: { maxRetries: 0 },
    timeouts: { requestMs: 2_000, totalMs: 4_000 },
    logger: strictLogger(),
  });
  await client.start();
});
afterAll(async () => {
  await client.close();
  await server.close();
});

type Method = 'read' | 'list' | 'write' | 'delete';
const call = (method: Method, path: string): Promise<unknown> =>
  method === 'write' ? client.write(path, { k: 'v' }) : client[method](path);

/** The path a call names: Vault ignores leading slashes, so they are no part of it. */
const named = (path: string) => path.replace(/^\/+/, '');

/** Sends one call and lists what is wrong with where it went. */
async function send(method: Method, path: string): Promise<string[]> {
  const before = server.received.length;
  const outcome = await settleWithin(call(method, path), 5_000);
  const sent = server.received.slice(before).filter((r: Received) => !r.path.startsWith('auth/token/'));
  if (outcome.state === 'hung') return ['the call never settled'];
  if (outcome.state === 'rejected' && outcome.error instanceof InvalidRequestError) {
    return sent.length === 0 ? [] : [`refused, but ${sent.length} request(s) went out first`];
  }
  if (outcome.state === 'rejected') {
    const untyped = describeUntyped(outcome.error);
    if (untyped) return [`rejected with ${untyped}`];
  }
  if (sent.length !== 1) return [`${sent.length} requests reached the server instead of one`];
  const [request] = sent;
  const problems: string[] = [];
  if (request!.path !== named(path)) problems.push(`reached ${JSON.stringify(request!.path)}`);
  const query = request!.rawUrl.split('?')[1] ?? '';
  if (query !== (method === 'list' ? 'list=true' : '')) problems.push(`carried the query "${query}"`);
  return problems;
}

/** Each segment from what apps and attackers put in paths; the alphabet makes collisions likely. */
const tricky = fc.constantFrom(
  '..',
  '.',
  '%2e',
  '%2E%2e',
  '%2e%2e',
  '.%2e',
  '%252e%252e',
  '%2f',
  'a%2Fb',
  '%5c',
  '\\',
  'a\\b',
  ' ',
  'with space',
  ' lead',
  'ü',
  '日本',
  '😀',
  '\uD800',
  '?',
  'a?b',
  '#',
  'a#b',
  ';',
  '..;',
  'a;b=c',
  '%',
  '100%',
  '%zz',
  '%25',
  '%41',
  '%00',
  '\u0000',
  '\n',
  '\t',
  '+',
  '*',
  '&x=1',
  ':',
  '@',
  'v1',
  '',
  '．．',
);
const word = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
const segment = fc.oneof(
  { weight: 4, arbitrary: word },
  { weight: 4, arbitrary: tricky },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
);
const path = fc
  .record({
    lead: fc.constantFrom('', '', '', '/', '//', 'v1/', '/v1/'),
    segments: fc.array(segment, { minLength: 1, maxLength: 5 }),
    tail: fc.constantFrom('', '', '', '/', '//'),
  })
  .map(({ lead, segments, tail }) => `${lead}${segments.join('/')}${tail}`);
const method = fc.constantFrom<Method>('read', 'read', 'list', 'write', 'delete');

describe('a call reaches exactly the path it names, or is refused before anything is sent', () => {
  it('holds for generated paths (600 runs)', async () => {
    await check(
      fc.asyncProperty(method, path, async (m, p) => {
        expect({ method: m, path: p, problems: await send(m, p) }).toEqual({
          method: m,
          path: p,
          problems: [],
        });
      }),
      600,
    );
  });

  it.each([
    'secret/../sys/seal',
    'secret/%2e%2e/sys/seal',
    'secret/%2E%2e/sys/seal',
    'secret/.%2e/sys/seal',
    'secret/%252e%252e/sys/seal',
    'secret/data/a%2fb',
    'secret\\..\\sys\\seal',
    'secret/data/x?version=1',
    'secret/data/x#fragment',
    'secret//data/x',
    'secret/data/x//',
    'secret/data/\uD800',
    '',
    '   ',
  ])('refuses %j before sending anything', async (p) => {
    const before = server.received.length;
    await expect(client.read(p)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(server.received.length).toBe(before);
  });

  it.each([
    ['secret/data/with space', 'secret/data/with space'],
    ['secret/data/a;b', 'secret/data/a;b'],
    ['secret/data/%41', 'secret/data/%41'],
    ['secret/data/100%', 'secret/data/100%'],
    ['secret/data/日本/😀', 'secret/data/日本/😀'],
    ['secret/data/..;', 'secret/data/..;'],
    ['secret/data/v1.2', 'secret/data/v1.2'],
    ['v1/secret/data/x', 'v1/secret/data/x'],
    ['/secret/data/x', 'secret/data/x'],
    ['secret/metadata/', 'secret/metadata/'],
    [`secret/data/${'x'.repeat(100_000)}`, `secret/data/${'x'.repeat(100_000)}`],
  ])('sends %j to exactly %j', async (p, reached) => {
    const before = server.received.length;
    await client.read(p);
    expect(server.received.slice(before).map((r) => r.path)).toEqual([reached]);
  });
});
