import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  ServiceAccountTokenError,
  type ServiceAccountTokenProblem,
  VaultKubernetesClient,
  VaultLoginError,
} from 'vault-kubernetes-client';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceAccountJwt } from '../../src/auth/service-account-token';
import { check, describeUntyped, settleWithin, strictLogger } from './support';
import { anyFile, b64, type Expect, HUGE, NOW, NOW_S, type TokenFile, wellFormed } from './token-files';

/*
 * Whatever sits at the token path, loading it ends in a typed ServiceAccountTokenError naming the
 * problem, or in a JWT with well-typed claims; and a client's login against the mock Vault ends
 * in success, that error, or a VaultLoginError: never a crash or a hang.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sa-token-property-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(file: TokenFile, outcome: Awaited<ReturnType<typeof settleWithin>>): string[] {
  if (outcome.state === 'hung') return ['loading never settled'];
  if (outcome.state === 'fulfilled') {
    const { jwt, claims: c } = outcome.value as Awaited<ReturnType<typeof loadServiceAccountJwt>>;
    const problems: string[] = [];
    if (file.expect !== 'ok' && file.expect !== 'any') problems.push(`loaded, expected ${file.expect}`);
    if (/\s|\uFEFF/.test(jwt)) problems.push('the JWT handed on has whitespace in it');
    if (!c.audience.every((a) => typeof a === 'string')) problems.push('audience holds a non-string');
    for (const key of ['namespace', 'serviceAccount', 'issuer'] as const)
      if (c[key] !== undefined && typeof c[key] !== 'string') problems.push(`${key} is not a string`);
    for (const key of ['expiresAt', 'notBefore'] as const)
      if (c[key] !== undefined && !Number.isFinite(c[key])) problems.push(`${key} is not a finite number`);
    return problems;
  }
  const untyped = describeUntyped(outcome.error);
  if (untyped) return [untyped];
  if (!(outcome.error instanceof ServiceAccountTokenError)) return ['not a ServiceAccountTokenError'];
  const problems: string[] = [];
  if (file.expect !== 'any' && outcome.error.problem !== file.expect)
    problems.push(`problem ${outcome.error.problem}, expected ${file.expect}`);
  if (file.payload.length > 8 && outcome.error.message.includes(file.payload))
    problems.push('the message repeats the token');
  return problems;
}

let runs = 0;
async function mkfifo(path: string): Promise<void> {
  execFileSync('mkfifo', [path]);
}
async function loadFile(file: TokenFile): Promise<string[]> {
  const path = join(dir, `token-${runs++}`);
  await writeFile(path, file.bytes);
  const outcome = await settleWithin(loadServiceAccountJwt({ tokenPath: path, jwt: undefined }, NOW), 2_000);
  await rm(path, { force: true });
  return problemsOf(file, outcome);
}

describe('loadServiceAccountJwt over whatever the token file holds', () => {
  it('ends in a typed error naming the problem, or a JWT with well-typed claims (400 runs)', async () => {
    await check(
      fc.asyncProperty(anyFile, async (file) => {
        expect(await loadFile(file)).toEqual([]);
      }),
      400,
    );
  });

  const jwt = (payload: Record<string, unknown>) =>
    `${b64('{"alg":"RS256"}')}.${b64(JSON.stringify(payload))}.c2ln`;
  const valid = jwt({ exp: NOW_S + 3600, iat: NOW_S });
  // The named cases, each once; the 5 MB ones live here rather than in the property, where they
  // would cost most of its time.
  it.each<[string, Expect, string | Buffer]>([
    [
      'UTF-16 with a byte order mark',
      'malformed',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]),
    ],
    ['base64 of a JWT (a Secret data field)', 'malformed', Buffer.from(valid).toString('base64')],
    ['a line break inside the JWT', 'malformed', `${valid.slice(0, 20)}\n${valid.slice(20)}`],
    ['a UTF-8 byte order mark and a trailing newline', 'ok', `\uFEFF${valid}\n`],
    ['three parts of invalid base64url', 'malformed', 'a!b.c$d.e%f'],
    ['three parts that are not JSON', 'malformed', `${b64('nope')}.${b64('nope')}.${b64('nope')}`],
    ['expired', 'expired', jwt({ exp: NOW_S - 1 })],
    [
      'not yet valid (left to Vault, which allows 60 s of skew)',
      'ok',
      jwt({ nbf: NOW_S + 30, exp: NOW_S + 3600 }),
    ],
    ['no exp', 'ok', jwt({ iss: 'k8s' })],
    ['exp as a string', 'malformed', jwt({ exp: String(NOW_S + 3600) })],
    ['exp past what a Date holds', 'expired', jwt({ exp: -1e13 })],
    ['a 5 MB file of text', 'malformed', HUGE],
    // Refused by its size before it is read into memory: no credential is megabytes long.
    ['a 5 MB JWT', 'malformed', jwt({ exp: NOW_S + 60, big: HUGE })],
    ['a 60 kB JWT', 'ok', jwt({ exp: NOW_S + 60, big: 'a'.repeat(60_000) })],
    ['empty', 'empty', ''],
  ])('%s: %s', async (_name, expected, content) => {
    expect(await loadFile({ bytes: Buffer.from(content), expect: expected, payload: '' })).toEqual([]);
  });

  it.each<[string, ServiceAccountTokenProblem, (path: string) => Promise<void>]>([
    ['a missing file', 'missing', async () => undefined],
    ['a directory', 'unreadable', (path) => mkdir(path)],
    ['a dangling symlink', 'missing', (path) => symlink(join(dir, 'nowhere'), path)],
    ['a symlink loop', 'unreadable', (path) => symlink(path, path)],
    // A FIFO with no writer would block a plain read forever: refused before a byte is read.
    ['a named pipe', 'unreadable', (path) => mkfifo(path)],
  ])('%s: %s', async (_name, problem, make) => {
    const path = join(dir, `shape-${runs++}`);
    await make(path);
    const error = await loadServiceAccountJwt({ tokenPath: path, jwt: undefined }, NOW).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceAccountTokenError);
    expect((error as ServiceAccountTokenError).problem).toBe(problem);
  });
});

describe('a client logging in with whatever token file it finds', () => {
  let mock: MockVault;
  beforeAll(async () => {
    mock = await startMockVault({ clock: new ManualClock(NOW) });
    await mock.setupKubernetesAuth({ serviceAccount: 'myapp-sa', policies: ['default'] });
  });
  afterAll(async () => {
    await mock.close();
  });

  async function login(bytes: Buffer) {
    const tokenPath = join(dir, `login-${runs++}`);
    await writeFile(tokenPath, bytes);
    const client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      clock: mock.clock,
      retry: { maxRetries: 0 },
      logger: strictLogger(),
    });
    const outcome = await settleWithin(client.start(), 3_000);
    await client.close();
    return outcome;
  }

  const scenario = fc.record({
    issuedAtOffset: fc.oneof(fc.integer({ min: -7200, max: 7200 }), fc.integer({ min: -90, max: 90 })),
    expiresIn: fc.integer({ min: -3600, max: 7200 }),
    serviceAccount: fc.constantFrom('myapp-sa', 'myapp-sa', 'other-sa'),
    foreignKey: fc.boolean(),
    wrap: fc.constantFrom('none', 'none', 'bom', 'newline', 'inner-space', 'utf16', 'base64'),
  });

  it('ends in a login, a ServiceAccountTokenError or a VaultLoginError, as Vault would judge (80 runs)', async () => {
    await check(
      fc.asyncProperty(scenario, async (s) => {
        const jwt = await mock.cluster.mintToken({ namespace: 'default', ...s });
        const bytes = {
          none: Buffer.from(jwt),
          bom: Buffer.from(`\uFEFF${jwt}`),
          newline: Buffer.from(`${jwt}\n`),
          'inner-space': Buffer.from(`${jwt.slice(0, 30)} ${jwt.slice(30)}`),
          utf16: Buffer.from(jwt, 'utf16le'),
          base64: Buffer.from(Buffer.from(jwt).toString('base64')),
        }[s.wrap];
        const outcome = await login(bytes);
        expect(outcome.state).not.toBe('hung');
        // What the mock Vault (cap's JWT checks, 60 s of skew, then bindings and TokenReview) says.
        const expected = ['utf16', 'base64', 'inner-space'].includes(s.wrap)
          ? 'malformed'
          : s.issuedAtOffset + s.expiresIn <= 0
            ? 'expired'
            : s.issuedAtOffset > 60
              ? 'not yet valid'
              : s.serviceAccount !== 'myapp-sa'
                ? 'service account name not authorized'
                : s.foreignKey
                  ? 'permission denied'
                  : 'ok';
        if (outcome.state === 'fulfilled') {
          expect('ok').toBe(expected);
          return;
        }
        const error = (outcome as { error: unknown }).error;
        expect(describeUntyped(error)).toBeUndefined();
        expect(String(error)).not.toContain(jwt.split('.')[1]);
        if (error instanceof ServiceAccountTokenError) {
          expect(error.problem).toBe(expected);
          return;
        }
        expect(error).toBeInstanceOf(VaultLoginError);
        expect((error as VaultLoginError).reason).toContain(expected);
      }),
      80,
    );
  });

  it('refuses a JWT with arbitrary claims with a typed error that never repeats it (60 runs)', async () => {
    await check(
      fc.asyncProperty(wellFormed, async (file) => {
        // Unsigned, so Vault's TokenReview refuses whatever the claims say; the client's
        // message about the refusal is built from those claims.
        const outcome = await login(file.bytes);
        expect(outcome.state).toBe('rejected');
        const error = (outcome as { error: unknown }).error;
        expect(describeUntyped(error)).toBeUndefined();
        expect(String(error)).not.toContain(file.payload);
        if (error instanceof ServiceAccountTokenError) expect(error.problem).toBe(file.expect);
        else expect(error).toBeInstanceOf(VaultLoginError);
      }),
      60,
    );
  });

  // The decision on `nbf`: the client does not judge it on its own clock. A token minted by an
  // API server a little ahead of this pod is fine for Vault (60 s of leeway) and must log in;
  // beyond that, Vault's refusal comes back with the time to compare and the clock-skew hint.
  it('leaves "not yet valid" to Vault: 30 s early logs in, 90 s early is refused with the times shown', async () => {
    const early = (seconds: number) =>
      mock.cluster.mintToken({ namespace: 'default', serviceAccount: 'myapp-sa', issuedAtOffset: seconds });
    expect((await login(Buffer.from(await early(30)))).state).toBe('fulfilled');
    const refused = await login(Buffer.from(await early(90)));
    const error = (refused as { error: unknown }).error as VaultLoginError;
    expect(error).toBeInstanceOf(VaultLoginError);
    expect(error.reason).toContain('not yet valid');
    expect(error.claims?.notBefore).toBe(NOW + 90_000);
    expect(error.message).toContain(`valid from ${new Date(NOW + 90_000).toISOString()}`);
    expect(error.message).toMatch(/clock skew/);
  });
});
