import fc from 'fast-check';
import { ResponseShapeError, VaultKubernetesClient } from 'vault-kubernetes-client';
import { ManualClock } from 'vault-kubernetes-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Generated, generated, NULL_BODY, render } from './answer-arbitraries';
import {
  type Answer,
  check,
  describeUntyped,
  json,
  type Received,
  type ScriptedServer,
  settleWithin,
  startScriptedServer,
  strictLogger,
  watchProcess,
} from './support';
import { healthy, isTarget, JWT, START, type Target, TOKEN } from './vault-answers';

/*
 * The real client, over real HTTP, against a server that answers one of its calls with whatever
 * the property generated and every other call as a healthy Vault would. Whatever comes back, the
 * call settles with a value or a typed error, background work reports typed errors, and nothing
 * escapes into the process or leaks the token or JWT the server echoed.
 */

let server: ScriptedServer;
let processWatch: ReturnType<typeof watchProcess>;
beforeAll(async () => {
  server = await startScriptedServer();
  processWatch = watchProcess();
});
afterAll(async () => {
  processWatch.stop();
  await server.close();
});

function start(client: VaultKubernetesClient, target: Target): Promise<unknown> {
  switch (target) {
    case 'login':
    case 'lookup-self':
    case 'renew-self':
      return client.start();
    case 'read':
      return client.read('secret/data/app');
    case 'list':
      return client.list('secret/metadata/');
    case 'secret-kv':
      return client.secret('secret/data/app');
    case 'secret-creds':
    case 'lease-renew':
      return client.secret('database/creds/app');
  }
}

/** What a well-behaved client must make of a complete answer, where that is certain. */
function expectedOutcome(g: Generated): 'status' | 'shape' | undefined {
  const encoded = g.headers['content-encoding'] !== undefined && g.headers['content-encoding'] !== 'identity';
  if (g.delivery.kind !== 'full' || encoded) return undefined;
  if (g.status >= 400) return 'status';
  if (NULL_BODY.includes(g.status) || g.body.trim() === '') return undefined;
  try {
    JSON.parse(g.body);
    return undefined;
  } catch {
    return 'shape';
  }
}

/**
 * Simulated time each scenario runs on after the call, to reach the background work the answer
 * feeds: a login retry (backoff 1 s), the KV poll (30 s), renewals at 2/3 of 60 s (jitter 0).
 */
const BACKGROUND: Record<Target, number> = {
  login: 1_500,
  'lookup-self': 0,
  'renew-self': 41_000,
  read: 0,
  list: 0,
  'secret-kv': 31_000,
  'secret-creds': 41_000,
  'lease-renew': 41_000,
};

/** Runs one scenario and lists everything wrong with how the client took it. */
async function scenario(
  target: Target,
  g: Generated,
  {
    requestMs = 1_000,
    backgroundMs = 5_000,
    script = (_req: Received): Answer | undefined => undefined,
  } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const clock = new ManualClock(START);
  clock.stallMs = 100;
  server.script = (req) => (isTarget(target, req) ? render(g, req) : (script(req) ?? healthy(req)));
  const kubernetes = target === 'login' || target === 'renew-self';
  const client = new VaultKubernetesClient({
    address: server.address,
    auth: kubernetes ? { role: 'myapp-role', jwt: JWT } : { method: 'token', token: TOKEN },
    clock,
    logger: strictLogger(),
    logLevel: 'debug',
    retry: { maxRetries: 0 },
    timeouts: { requestMs, totalMs: 2 * requestMs },
    token: { jitter: 0 },
    secrets: { jitter: 0, pollIntervalMs: 30_000 },
  });
  const events: unknown[] = [];
  client.on('error', (event) => events.push(event.error));
  const seen: unknown[] = [];
  try {
    const settled = await settleWithin(start(client, target), 3 * requestMs + 500);
    if (settled.state === 'hung') problems.push('the call never settled');
    const expected = target === 'read' || target === 'lookup-self' ? expectedOutcome(g) : undefined;
    if (settled.state === 'rejected') {
      seen.push(settled.error);
      const untyped = describeUntyped(settled.error);
      if (untyped) problems.push(`the call rejected with ${untyped}`);
      const status = (settled.error as { status?: unknown }).status;
      if (expected === 'status' && status !== g.status)
        problems.push(`expected an error with status ${g.status}, got ${String(status)}`);
      if (expected === 'shape' && !((settled.error as unknown) instanceof ResponseShapeError))
        problems.push('expected a ResponseShapeError for a 2xx body that is not JSON');
    }
    if (settled.state === 'fulfilled') {
      const value = settled.value;
      if (target === 'list' && (!Array.isArray(value) || value.some((k) => typeof k !== 'string')))
        problems.push('list() resolved with something other than string[]');
      if (expected)
        problems.push(`resolved although ${expected === 'status' ? g.status : 'the body is not JSON'}`);
    }
    const background = await settleWithin(clock.advance(BACKGROUND[target]), backgroundMs);
    if (background.state === 'hung') problems.push('background work never settled (clock.advance hung)');
  } finally {
    await client.close();
  }
  for (const error of events) {
    const untyped = describeUntyped(error);
    if (untyped) problems.push(`an error event carried ${untyped}`);
  }
  for (const error of [...seen, ...events]) {
    const text = error instanceof Error ? `${error.message} ${JSON.stringify(error)}` : String(error);
    if (text.includes(TOKEN) || text.includes(JWT)) problems.push('an error carries the token or the JWT');
    // A message ends up in a log line: whatever a server sends, it stays a line, not megabytes.
    if (error instanceof Error && error.message.length > 4_000)
      problems.push(`an error message of ${error.message.length} characters`);
  }
  if (processWatch.problems.length > 0) {
    problems.push(`escaped into the process: ${processWatch.problems.map(String).join('; ')}`);
    processWatch.problems.length = 0;
  }
  return problems;
}

const TARGETS: [Target, number][] = [
  ['login', 40],
  ['lookup-self', 40],
  ['renew-self', 30],
  ['read', 60],
  ['list', 30],
  ['secret-kv', 30],
  ['secret-creds', 30],
  ['lease-renew', 30],
];

const full = { kind: 'full' as const };
const answer = (status: number, body: string, delivery: Generated['delivery'] = full): Generated => ({
  status,
  headers: {},
  body,
  delivery,
});
const BIG = 'x'.repeat(5 * 1024 * 1024);
const deep = (n: number) => `{"data":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;

describe('whatever Vault answers, every call settles with a value or a typed error', () => {
  it.each(TARGETS)('%s (%i runs)', async (target, runs) => {
    await check(
      fc.asyncProperty(generated(target), async (g) => {
        expect(await scenario(target, g)).toEqual([]);
      }),
      runs,
    );
  });

  it.each<[string, Target, Generated]>([
    ['2xx with invalid JSON', 'read', answer(200, '{"data": {"a": 1')],
    [
      'HTML from a proxy',
      'read',
      { ...answer(502, '<html>bad gateway</html>'), headers: { 'content-type': 'text/html' } },
    ],
    ['errors as a string', 'read', answer(403, '{"errors": "permission denied"}')],
    ['errors holding non-strings', 'read', answer(500, '{"errors": [1, {"toString": 1}, null]}')],
    [
      'a body cut short',
      'read',
      answer(200, '{"data": {"a": "12345678901234567890"}}', { kind: 'truncate', keep: 10 }),
    ],
    ['gzip that is not', 'read', { ...answer(200, 'not gzip'), headers: { 'content-encoding': 'gzip' } }],
    ['client_token a number', 'login', answer(200, '{"auth": {"client_token": 7}}')],
    ['400 with an empty body', 'login', answer(400, '')],
    ['connection destroyed', 'login', answer(200, '{"auth": null}', { kind: 'destroy' })],
    ['lease_duration a string', 'lease-renew', answer(200, '{"lease_duration": "60"}')],
    ['KV v2 data nested 20,000 deep', 'read', answer(200, deep(20_000))],
    ['a 5 MB error string', 'read', answer(500, json({ errors: [BIG] }))],
    [
      'a login refused with a 1 MB reason',
      'login',
      answer(403, json({ errors: [`1 error occurred:\n\t* ${BIG.slice(0, 1 << 20)}\n\n`] })),
    ],
  ])('example: %s (%s)', async (_name, target, g) => {
    expect(await scenario(target, g)).toEqual([]);
  });

  // Bugs these properties found in the client, kept as examples so they stay fixed.
  const zeroRenewal = (req: Received): Answer | undefined =>
    req.path === 'sys/leases/renew'
      ? { status: 200, body: '{"lease_duration": 0, "renewable": true}' }
      : undefined;
  it.each<[string, Target, Generated, Parameters<typeof scenario>[2]?]>([
    [
      'a policy that cannot be a string (token-manager.ts)',
      'lookup-self',
      answer(200, '{"data": {"policies": [{"toString": 1}]}}'),
    ],
    [
      'a key that cannot be a string (client.ts list)',
      'list',
      answer(200, '{"data": {"keys": [{"toString": 1}]}}'),
    ],
    [
      'headers, then silence (transport.ts: no timeout covers the body)',
      'read',
      answer(200, '{"data":', { kind: 'stall' }),
      { requestMs: 100 },
    ],
    [
      'a renewable lease of 0 s renewed in a loop at one instant (managed-secret.ts)',
      'secret-creds',
      answer(200, '{"lease_id": "database/creds/app/z", "lease_duration": 0, "renewable": true, "data": {}}'),
      { backgroundMs: 300, script: zeroRenewal },
    ],
  ])('fixed: %s', async (_name, target, g, options) => {
    expect(await scenario(target, g, options)).toEqual([]);
  });

  // Node 20's bundled fetch never settles text() on this body; the attempt's deadline must cover it.
  it('a 70 KB body labelled gzip that is not (it hung on Node 20 before the attempt deadline covered the body)', async () => {
    const g = {
      ...answer(200, json({ data: { blob: 'x'.repeat(70_000) } })),
      headers: { 'content-encoding': 'gzip' },
    };
    expect(await scenario('read', g, { requestMs: 100 })).toEqual([]);
  });

  it('KV v1 data nested 20,000 deep (it stopped updating when comparing it overflowed the stack)', async () => {
    expect(await scenario('secret-kv', answer(200, deep(20_000)))).toEqual([]);
  });
});
