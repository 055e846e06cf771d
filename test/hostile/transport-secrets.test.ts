import { VaultConfigError, VaultKubernetesClient } from 'vault-kubernetes-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type HostileVault, reply, startHostileVault } from './server';
import { leaked, observe } from './transport-support';

let vault: HostileVault | undefined;
const clients: VaultKubernetesClient[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await vault?.close();
  vault = undefined;
});

async function hostile(): Promise<HostileVault> {
  vault = await startHostileVault();
  vault.route('auth/token/lookup-self', reply.lookupSelf());
  return vault;
}

function watched(v: HostileVault, options: Parameters<typeof observe>[1] = {}) {
  const o = observe(v, options);
  clients.push(o.client);
  return o;
}

/** A service-account-shaped JWT (decoded, never verified, by the client before it logs in). */
function fakeJwt(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${part({ alg: 'RS256', kid: 'k1' })}.${part({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:default:app', exp, 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app' } } })}.c2lnbmF0dXJl`;
}

const PASSWORD = 'Tr0ub4dor&3-horse';

describe('class 2: no response body bytes in any message, log or event (only Vault`s own errors, scrubbed)', () => {
  it.each([
    [
      'a 2xx KV answer cut short (content-length promised more)',
      { body: `{"data":{"data":{"password":"${PASSWORD}"`, truncate: true },
    ],
    ['a 2xx answer that is complete but not JSON', { body: `{"data":{"data":{"password":"${PASSWORD}"` }],
    [
      'a 502 HTML page quoting the secret',
      {
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: `<html><body>upstream said password=${PASSWORD}</body></html>`,
      },
    ],
    [
      'a 500 plain-text body',
      { status: 500, headers: { 'content-type': 'text/plain' }, body: `panic: password ${PASSWORD}` },
    ],
    ['a 404 JSON body that is not Vault`s', { status: 404, body: { message: `no secret ${PASSWORD}` } }],
    ['a 400 with errors that are not strings', { status: 400, body: { errors: [{ password: PASSWORD }] } }],
    ['a 200 JSON body of the wrong shape', { body: { data: 'x', lease_duration: PASSWORD } }],
    [
      'a reset mid-body',
      { body: `{"data":{"data":{"password":"${PASSWORD}"`, reset: 'after-headers' as const },
    ],
  ])('%s', async (_name, answer) => {
    const v = await hostile();
    v.route('secret/data/app', answer);
    const o = watched(v);
    await o.failure(o.client.read('secret/data/app'));
    // The scan has teeth: the failure was seen, logged at debug, and described.
    expect(o.errors).toHaveLength(1);
    expect(o.logs.length).toBeGreaterThan(0);
    expect(leaked(o.visible(), [PASSWORD, PASSWORD.slice(0, 8)])).toEqual([]);
  });

  it.each([
    ['an old-style s. token', 's.AbCdEfGhIjKlMnOpQrStUvWx'],
    ['an hvs. token', `hvs.CAESI${'Q'.repeat(90)}`],
    ['a batch token (hvb.)', `hvb.AAAAAQ${'z'.repeat(120)}`],
  ])('a login answer cut short never leaks the new token: %s', async (_name, token) => {
    const v = await hostile();
    const full = JSON.stringify(reply.login(token).body);
    v.route('auth/kubernetes/login', {
      body: full.slice(0, full.indexOf(token) + token.length + 5),
      truncate: true,
    });
    const o = watched(v, { auth: { role: 'app', jwt: fakeJwt() } });
    await o.failure(o.client.read('secret/data/app'));
    expect(v.requests.map((r) => r.path)).toEqual(['auth/kubernetes/login']);
    expect(leaked(o.visible(), [token, token.slice(0, 12)])).toEqual([]);
  });

  it('a 400 that quotes what the request wrote is scrubbed of it, short values included', async () => {
    const v = await hostile();
    v.route(
      'secret/data/app',
      reply.errors(400, [
        `error converting input 4711 for field "pin": strconv.ParseInt: parsing "4711": invalid syntax`,
        `1 error occurred:\n\t* field "password" got "${PASSWORD}", expected a list\n\n`,
      ]),
    );
    const o = watched(v);
    const error = (await o.failure(
      o.client.write('secret/data/app', { data: { pin: '4711', nested: [{ password: PASSWORD }] } }),
    )) as Error & { reasons: string[] };
    expect(error.reasons[0]).toContain('error converting input [redacted] for field "pin"');
    expect(leaked(o.visible(), ['4711', PASSWORD])).toEqual([]);
  });

  it('Vault`s errors quoting a secret value received earlier, or the token, are scrubbed of them', async () => {
    const v = await hostile();
    const token = 'hvs.CAESIJlU-static-token-for-hostile-tests-0001';
    v.route('database/creds/app', reply.data({ username: 'v-app-8f3k2', password: 'A1a-Zq9x7w6v5u' }));
    v.route(
      'secret/data/other',
      reply.errors(500, [`pq: password authentication failed for A1a-Zq9x7w6v5u using ${token}`]),
    );
    const o = watched(v);
    const creds = await o.client.read('database/creds/app');
    expect(creds.data.password).toBe('A1a-Zq9x7w6v5u');
    const error = (await o.failure(o.client.read('secret/data/other'))) as Error;
    expect(error.message).toContain('password authentication failed for [redacted] using [redacted]');
    expect(leaked(o.visible(), ['A1a-Zq9x7w6v5u', token])).toEqual([]);
  });

  it('token and JWT shapes are scrubbed even when the client never saw them', async () => {
    const v = await hostile();
    const strangers = [
      's.ZyXwVuTsRqPoNmLkJiHgFeDc',
      'b.AAAAAQJx0vXyZ9u8t7s6r5q4p3o2n1m0l9k8j7',
      `hvs.${'k'.repeat(24)}`,
      `hvr.${'r'.repeat(24)}`,
      fakeJwt(),
    ];
    v.route(
      'secret/data/app',
      reply.errors(
        500,
        strangers.map((s) => `cannot use ${s}`),
      ),
    );
    const o = watched(v);
    await o.failure(o.client.read('secret/data/app'));
    expect(leaked(o.visible(), strangers)).toEqual([]);
  });

  it('a redirect is named by its host at most, never its path or query', async () => {
    const v = await hostile();
    v.route(
      'secret/data/app',
      reply.redirect('https://evil.example:8443/v1/leak-path-xyz?token=hvs.QUERYSECRET&x=q-secret-1'),
    );
    v.route('secret/data/same', reply.redirect('/v1/other/place-xyz?token=q-secret-2'));
    const o = watched(v);
    const away = (await o.failure(o.client.read('secret/data/app'))) as Error;
    expect(away.message).toContain('redirect (307) to another host (evil.example:8443)');
    const here = (await o.failure(o.client.read('secret/data/same'))) as Error;
    expect(here.message).toContain('another path on the same host');
    expect(
      leaked(o.visible(), ['leak-path-xyz', 'QUERYSECRET', 'q-secret-1', 'place-xyz', 'q-secret-2']),
    ).toEqual([]);
  });

  it('an address with user info is refused at construction, from options or VAULT_ADDR, without repeating it', () => {
    for (const make of [
      () =>
        new VaultKubernetesClient({
          address: 'http://admin:p4ss-w0rd-xyz@127.0.0.1:8200',
          auth: { method: 'token', token: 'hvs.x' },
        }),
      () => {
        vi.stubEnv('VAULT_ADDR', 'https://p4ss-w0rd-xyz@vault.example:8200');
        return new VaultKubernetesClient({ auth: { method: 'token', token: 'hvs.x' } });
      },
    ]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(VaultConfigError);
      expect((error as Error).message).toMatch(/user name or password \(user:pass@\).*remove them/);
      expect(JSON.stringify(error) + String((error as Error).stack)).not.toContain('p4ss-w0rd-xyz');
    }
  });
});
