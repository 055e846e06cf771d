import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, enableAuth, expectErrors, login, type Reply } from './support/vault';

/**
 * The JWT auth method as vault-plugin-auth-jwt behaves, over HTTP. Sources of the strings
 * asserted (hashicorp/vault-plugin-auth-jwt unless said otherwise):
 *   config  path_config.go          roles   path_role.go, hashicorp/vault:sdk/helper/tokenutil/tokenutil.go
 *   login   path_login.go           claims  claims.go
 *   token   hashicorp/cap:jwt/jwt.go, jwt/keyset.go, jwt/algs.go; coreos/go-oidc:oidc/jwks.go
 *   parsing go-jose/go-jose v3 jws.go ("compact JWS format must have three parts")
 * Error responses of a plugin answer 400 verbatim (hashicorp/vault:sdk/logical/response_util.go).
 */
const START = Date.UTC(2030, 0, 1);
let mock: MockVault;
beforeEach(async () => {
  mock = await startMockVault({ clock: new ManualClock(START) });
});
afterEach(async () => {
  await mock.close();
});

const jwtLogin = (role: unknown, jwt: unknown, mount = 'jwt') => login(mock, role, jwt, mount);
const now = () => Math.floor(mock.clock.now() / 1000);
const write = async (path: string, body: Record<string, unknown>): Promise<Reply> => {
  const res = await call(mock, 'POST', path, body);
  expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
  return res;
};
const enable = async (mount = 'jwt') => await enableAuth(mock, 'jwt', `${mount}`);
const validating = (reason: string) => [`error validating token: ${reason}`];

/** A key of the test's own, configured as `jwt_validation_pubkeys`, to sign any claims at all. */
async function ownSigner() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  await enable();
  await write('auth/jwt/config', { jwt_validation_pubkeys: [await exportSPKI(publicKey)] });
  return (claims: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header }).sign(privateKey);
}

const jwtRole = (fields: Record<string, unknown> = {}) =>
  write('auth/jwt/role/app', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'vault', ...fields });

describe('config (path_config.go)', () => {
  it('takes exactly one key source', async () => {
    await enable();
    const message = [
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set",
    ];
    expectErrors(await call(mock, 'POST', 'auth/jwt/config', { bound_issuer: 'x' }), 400, message);
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', {
        jwks_url: mock.cluster.jwksUrl,
        jwt_validation_pubkeys: [mock.cluster.publicKeyPem],
      }),
      400,
      message,
    );
  });

  it('fetches the discovery document at write time and insists its issuer is the URL', async () => {
    await enable();
    // The mock's Vault is in the cluster: the issuer's in-cluster URL works, behind the cluster CA.
    expect(mock.cluster.issuer).toBe('https://kubernetes.default.svc.cluster.local');
    const inCluster = {
      oidc_discovery_url: mock.cluster.issuer,
      oidc_discovery_ca_pem: mock.cluster.caCertificate,
    };
    expect((await call(mock, 'POST', 'auth/jwt/config', inCluster)).status).toBe(204);
    const refused = ['error checking oidc discovery URL'];
    // Without the CA the API server's certificate is not trusted.
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', { oidc_discovery_url: mock.cluster.issuer }),
      400,
      refused,
    );
    // From outside, the API server's own address serves a document whose issuer is not that address.
    const outside = mock.cluster.discoveryUrl.replace('/.well-known/openid-configuration', '');
    expectErrors(await call(mock, 'POST', 'auth/jwt/config', { oidc_discovery_url: outside }), 400, refused);
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', { oidc_discovery_url: 'http://127.0.0.1:1' }),
      400,
      refused,
    );
    const document = await (await fetch(mock.cluster.discoveryUrl)).json();
    expect(document).toMatchObject({ issuer: mock.cluster.issuer, jwks_uri: mock.cluster.jwksUrl });
  });

  it('fetches the JWKS at write time; a bad CA or an unusable URL is refused', async () => {
    await enable();
    expect((await call(mock, 'POST', 'auth/jwt/config', { jwks_url: mock.cluster.jwksUrl })).status).toBe(
      204,
    );
    const missing = `${mock.cluster.issuer}/no-such-keys`;
    expectErrors(await call(mock, 'POST', 'auth/jwt/config', { jwks_url: missing }), 400, [
      `error checking jwks URL ${missing}`,
    ]);
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', {
        jwks_url: mock.cluster.jwksUrl,
        jwks_ca_pem: 'not a pem',
      }),
      400,
      ['error checking jwks_ca_pem'],
    );
  });

  it('parses each public key: RSA or ECDSA only (certutil.ParsePublicKeyPEM)', async () => {
    await enable();
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', {
        jwt_validation_pubkeys: [await exportSPKI(ed.publicKey)],
      }),
      400,
      ['error parsing public key: data does not contain any valid RSA or ECDSA public keys'],
    );
    expect(
      (await call(mock, 'POST', 'auth/jwt/config', { jwt_validation_pubkeys: mock.cluster.publicKeyPem }))
        .status,
    ).toBe(204);
  });

  it('checks jwt_supported_algs, response types and modes, and the OIDC client pair', async () => {
    await enable();
    const base = { jwks_url: mock.cluster.jwksUrl };
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', { ...base, jwt_supported_algs: 'ES256,HS256' }),
      400,
      ['invalid jwt_supported_algs: unsupported signing algorithm "HS256"'],
    );
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', { ...base, oidc_response_types: 'code,token' }),
      400,
      ["invalid response_types [code token]. 'code' and 'id_token' are allowed"],
    );
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', { ...base, oidc_response_types: 'id_token' }),
      400,
      ['query response_mode may not be used with an id_token response_type'],
    );
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', { ...base, oidc_response_mode: 'fragment' }),
      400,
      ['invalid response_mode: "fragment"'],
    );
    expectErrors(await call(mock, 'POST', 'auth/jwt/config', { ...base, oidc_client_id: 'vault' }), 400, [
      "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC",
    ]);
    expectErrors(
      await call(mock, 'POST', 'auth/jwt/config', {
        ...base,
        oidc_client_id: 'vault',
        oidc_client_secret: 's3cr3t',
      }),
      400,
      ["'oidc_discovery_url' must be set for OIDC"],
    );
  });

  it('reads back without the client secret; no config reads 404', async () => {
    await enable();
    expect((await call(mock, 'GET', 'auth/jwt/config')).status).toBe(404);
    await write('auth/jwt/config', {
      oidc_discovery_url: mock.cluster.issuer,
      oidc_discovery_ca_pem: mock.cluster.caCertificate,
      oidc_client_id: 'vault',
      oidc_client_secret: 'client-secret-value',
      bound_issuer: mock.cluster.issuer,
      default_role: 'App',
    });
    const read = await call(mock, 'GET', 'auth/jwt/config');
    expect(read.body.data).toMatchObject({
      oidc_discovery_url: mock.cluster.issuer,
      oidc_client_id: 'vault',
      bound_issuer: mock.cluster.issuer,
      default_role: 'app',
      namespace_in_state: true,
      jwt_validation_pubkeys: [],
    });
    expect(read.body.data).not.toHaveProperty('oidc_client_secret');
    expect(read.text).not.toContain('client-secret-value');
  });
});

describe('roles (path_role.go)', () => {
  beforeEach(() => enable());

  it('defaults role_type to oidc, which needs redirect URIs; a jwt role needs a bound constraint', async () => {
    const refused: [Record<string, unknown>, string][] = [
      [
        { user_claim: 'sub', bound_audiences: 'v' },
        "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
      ],
      [{ role_type: 'saml', user_claim: 'sub' }, "invalid 'role_type': saml"],
      [{ role_type: 'jwt', bound_audiences: 'v' }, 'a user claim must be defined on the role'],
      [
        { role_type: 'jwt', user_claim: 'sub' },
        'must have at least one bound constraint when creating/updating a role',
      ],
    ];
    for (const [body, error] of refused) {
      expectErrors(await call(mock, 'POST', 'auth/jwt/role/r', body), 400, [error]);
    }
    // token_bound_cidrs alone is a bound constraint.
    expect(
      (
        await call(mock, 'POST', 'auth/jwt/role/r', {
          role_type: 'jwt',
          user_claim: 'sub',
          token_bound_cidrs: '10.0.0.0/8',
        })
      ).status,
    ).toBe(204);
  });

  it('re-reads role_type on every write: an update that leaves it out makes the role oidc again', async () => {
    await jwtRole();
    expectErrors(await call(mock, 'POST', 'auth/jwt/role/app', { token_ttl: '1h' }), 400, [
      "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
    ]);
    expect(
      (await call(mock, 'POST', 'auth/jwt/role/app', { role_type: 'jwt', token_ttl: '1h' })).status,
    ).toBe(204);
    expect((await call(mock, 'GET', 'auth/jwt/role/app')).body.data.token_ttl).toBe(3600);
  });

  it('validates bound claims, their type, and claim mappings', async () => {
    expectErrors(await jwtRoleCall({ bound_claims_type: 'regex' }), 400, [
      "invalid 'bound_claims_type': regex",
    ]);
    expectErrors(await jwtRoleCall({ bound_claims_type: 'glob', bound_claims: { n: 5 } }), 400, [
      'claim is not a string: 5',
    ]);
    expectErrors(await jwtRoleCall({ bound_claims_type: 'glob', bound_claims: { n: { a: 'b' } } }), 400, [
      'claim is not a string or list: map[a:b]',
    ]);
    expectErrors(await jwtRoleCall({ claim_mappings: { email: 'role' } }), 400, [
      'metadata key "role" is reserved and may not be a mapping destination',
    ]);
    expectErrors(await jwtRoleCall({ claim_mappings: { email: 'who', upn: 'who' } }), 400, [
      'multiple keys are mapped to metadata key "who"',
    ]);
  });

  it('applies tokenutil checks and the mount max TTL', async () => {
    expectErrors(await jwtRoleCall({ token_ttl: '2h', token_max_ttl: '1h' }), 400, [
      "'token_ttl' cannot be greater than 'token_max_ttl'",
    ]);
    expectErrors(await jwtRoleCall({ ttl: '2h', max_ttl: '1h' }), 400, [
      'ttl should not be greater than max ttl',
    ]);
    expectErrors(await jwtRoleCall({ token_type: 'batch', token_period: '1h' }), 400, [
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
    ]);
    expectErrors(await jwtRoleCall({ token_period: '769h' }), 400, [
      `'period' of '"769h0m0s"' is greater than the backend's maximum lease TTL of '"768h0m0s"'`,
    ]);
    // hashicorp/go-sockaddr NewSockAddr via go-secure-stdlib/parseutil ParseAddrs.
    expectErrors(await jwtRoleCall({ token_bound_cidrs: '10.0.0.256' }), 400, [
      'error parsing address "10.0.0.256": Unable to convert "10.0.0.256" to an IPv4 or IPv6 address, or a UNIX Socket',
    ]);
    // Anything holding a '/' that is not a CIDR parses as a UNIX socket path: accepted, never matched.
    expect((await jwtRoleCall({ token_bound_cidrs: '10.0.0.0/33' })).status).toBe(204);
    const warned = await jwtRoleCall({ token_max_ttl: '1000h' });
    expect(warned.status).toBe(200);
    expect(warned.body.warnings).toEqual([
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    ]);
  });

  it('reads back as Go marshals it: unset lists and maps are null, deprecated names echoed when set', async () => {
    await jwtRole({ policies: 'a,b', bound_claims: { n: 5, groups: ['x', 'y'] }, clock_skew_leeway: -1 });
    const { data } = (await call(mock, 'GET', 'auth/jwt/role/app')).body;
    expect(data).toMatchObject({
      role_type: 'jwt',
      bound_audiences: ['vault'],
      bound_subject: '',
      bound_claims_type: 'string',
      bound_claims: { n: 5, groups: ['x', 'y'] },
      claim_mappings: null,
      oidc_scopes: null,
      allowed_redirect_uris: null,
      expiration_leeway: 0,
      clock_skew_leeway: -1,
      user_claim: 'sub',
      token_policies: ['a', 'b'],
      policies: ['a', 'b'],
      token_bound_cidrs: [],
      token_type: 'default',
    });
    expect(data).not.toHaveProperty('ttl');
    expect((await call(mock, 'LIST', 'auth/jwt/role')).body.data.keys).toEqual(['app']);
    expect((await call(mock, 'DELETE', 'auth/jwt/role/app')).status).toBe(204);
    expect((await call(mock, 'GET', 'auth/jwt/role/app')).status).toBe(404);
  });
});

const jwtRoleCall = (fields: Record<string, unknown>) =>
  call(mock, 'POST', 'auth/jwt/role/r', {
    role_type: 'jwt',
    user_claim: 'sub',
    bound_audiences: 'v',
    ...fields,
  });

describe('login order (path_login.go)', () => {
  it('config, role, role type, then the token', async () => {
    await enable();
    expectErrors(await jwtLogin('app', 'x.y.z'), 400, ['could not load configuration']);
    await write('auth/jwt/config', { jwks_url: mock.cluster.jwksUrl });
    expectErrors(await jwtLogin(undefined, 'x.y.z'), 400, ['missing role']);
    expectErrors(await jwtLogin('Nope', 'x.y.z'), 400, ['role "nope" could not be found']);
    await write('auth/jwt/role/web', { user_claim: 'sub', allowed_redirect_uris: 'http://localhost/cb' });
    expectErrors(await jwtLogin('web', 'x.y.z'), 400, ['role with oidc role_type is not allowed']);
    await jwtRole();
    expectErrors(await jwtLogin('APP', ''), 400, ['missing token']);
    expectErrors(await jwtLogin('app', 'not-a-jwt'), 400, [
      validating(
        'error verifying token signature: oidc: malformed jwt: go-jose/go-jose: compact JWS format must have three parts',
      )[0]!,
    ]);
  });

  it('uses default_role when the login names none', async () => {
    await mock.setupJwtAuth();
    await write('auth/jwt/config', { jwks_url: mock.cluster.jwksUrl, default_role: 'myapp-role' });
    const jwt = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' });
    expect((await jwtLogin(undefined, jwt)).status).toBe(200);
  });
});

describe('login with the cluster as OIDC provider', () => {
  it.each(['oidc_discovery_url', 'jwks_url', 'jwt_validation_pubkeys'] as const)(
    'issues a token for a projected service-account token (%s)',
    async (keys) => {
      await mock.setupJwtAuth({
        keys,
        roleFields: { claim_mappings: { '/kubernetes.io/namespace': 'namespace' } },
      });
      const jwt = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' });
      const res = await jwtLogin('myapp-role', jwt);
      expect(res.status, res.text).toBe(200);
      expect(res.body.auth).toMatchObject({
        policies: ['default', 'myapp-policy'],
        token_policies: ['default', 'myapp-policy'],
        metadata: { role: 'myapp-role', namespace: 'default' },
        lease_duration: 24 * 3600,
        renewable: true,
        token_type: 'service',
      });
      const self = await call(mock, 'GET', 'auth/token/lookup-self', undefined, {
        token: res.body.auth.client_token,
      });
      expect(self.body.data).toMatchObject({
        display_name: 'jwt-system:serviceaccount:default:myapp-sa',
        path: 'auth/jwt/login',
        meta: { role: 'myapp-role', namespace: 'default' },
      });
    },
  );

  it('refuses a signature the cluster did not make, with each key set’s own words', async () => {
    const foreign = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', foreignKey: true });
    await mock.setupJwtAuth();
    expectErrors(
      await jwtLogin('myapp-role', foreign),
      400,
      validating('error verifying token signature: failed to verify id token signature'),
    );
    await mock.setupJwtAuth({ keys: 'jwt_validation_pubkeys' });
    expectErrors(
      await jwtLogin('myapp-role', foreign),
      400,
      validating('error verifying token signature: no known key successfully validated the token signature'),
    );
    expectErrors(
      await jwtLogin('myapp-role', 'a.b'),
      400,
      validating(
        'error verifying token signature: go-jose/go-jose: compact JWS format must have three parts',
      ),
    );
  });

  it('checks bound_issuer, the subject and the audience', async () => {
    await mock.setupJwtAuth();
    const other = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', issuer: 'https://elsewhere' });
    expectErrors(await jwtLogin('myapp-role', other), 400, validating('invalid issuer (iss) claim'));
    const wrongAccount = await mock.cluster.mintToken({ serviceAccount: 'other-sa' });
    expectErrors(await jwtLogin('myapp-role', wrongAccount), 400, validating('invalid subject (sub) claim'));
    const wrongAudience = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', audiences: ['vault'] });
    expectErrors(
      await jwtLogin('myapp-role', wrongAudience),
      400,
      validating('invalid audience (aud) claim: audience claim does not match any expected audience'),
    );
  });

  it('refuses a token with an audience when the role binds none', async () => {
    await mock.setupJwtAuth({ roleFields: { bound_audiences: [] } });
    const jwt = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' });
    expectErrors(await jwtLogin('myapp-role', jwt), 400, [
      'audience claim found in JWT but no audiences bound to the role',
    ]);
  });

  it('refuses an expired token once the clock-skew leeway (60 s by default) has passed', async () => {
    await mock.setupJwtAuth();
    const jwt = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', expiresIn: 600 });
    await mock.clock.advance(660_000); // exp + 60 s: still inside the leeway
    expect((await jwtLogin('myapp-role', jwt)).status).toBe(200);
    await mock.clock.advance(1000);
    expectErrors(
      await jwtLogin('myapp-role', jwt),
      400,
      validating('invalid expiration time (exp) claim: token is expired'),
    );
  });

  it('honours a role’s clock_skew_leeway of -1 (none) and refuses tokens from the future', async () => {
    await mock.setupJwtAuth({ roleFields: { clock_skew_leeway: -1 } });
    const jwt = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', expiresIn: 600 });
    await mock.clock.advance(600_000);
    expect((await jwtLogin('myapp-role', jwt)).status).toBe(200);
    await mock.clock.advance(1000);
    expectErrors(
      await jwtLogin('myapp-role', jwt),
      400,
      validating('invalid expiration time (exp) claim: token is expired'),
    );
    const future = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa', issuedAtOffset: 5 });
    expectErrors(
      await jwtLogin('myapp-role', future),
      400,
      validating('invalid not before (nbf) claim: token not yet valid'),
    );
  });

  it('fetches the JWKS again when a token carries a key ID it has not seen (key rotation)', async () => {
    await mock.setupJwtAuth();
    const first = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' });
    expect((await jwtLogin('myapp-role', first)).status).toBe(200); // keys now cached
    await mock.cluster.rotateSigningKey();
    const rotated = await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' });
    expect(rotated.split('.')[0]).not.toBe(first.split('.')[0]); // another key ID in the header
    expect((await jwtLogin('myapp-role', rotated)).status).toBe(200);
    expect((await jwtLogin('myapp-role', first)).status).toBe(200); // the old key stays published
  });

  it('checks token_bound_cidrs against the client’s address before the token', async () => {
    await mock.setupJwtAuth({ roleFields: { token_bound_cidrs: ['10.0.0.0/8'] } });
    expectErrors(await jwtLogin('myapp-role', 'not-even-a-jwt'), 403, ['permission denied']);
    await mock.setupJwtAuth({ roleFields: { token_bound_cidrs: ['127.0.0.1/32'] } });
    const res = await jwtLogin('myapp-role', await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' }));
    expect(res.status, res.text).toBe(200);
    const token = res.body.auth.client_token;
    expect((await call(mock, 'GET', 'auth/token/lookup-self', undefined, { token })).status).toBe(200);
  });

  it('renews with the role’s current TTLs, and not at all once the role is gone', async () => {
    await mock.setupJwtAuth();
    const res = await jwtLogin('myapp-role', await mock.cluster.mintToken({ serviceAccount: 'myapp-sa' }));
    const token = res.body.auth.client_token;
    await write('auth/jwt/role/myapp-role', { role_type: 'jwt', token_ttl: '2h' });
    const renewed = await call(mock, 'POST', 'auth/token/renew-self', {}, { token });
    expect(renewed.body.auth.lease_duration).toBe(7200);
    expect((await call(mock, 'DELETE', 'auth/jwt/role/myapp-role')).status).toBe(204);
    expectErrors(await call(mock, 'POST', 'auth/token/renew-self', {}, { token }), 500, [
      '1 error occurred:\n\t* failed to renew entry: role myapp-role does not exist during renewal\n\n',
    ]);
  });
});

describe('claims (claims.go, cap jwt.go)', () => {
  it('refuses a token without iat, nbf and exp (Validate, not the Kubernetes method’s AllowMissing)', async () => {
    const sign = await ownSigner();
    await jwtRole();
    const jwt = await sign({ sub: 'alice', aud: 'vault' });
    expectErrors(
      await jwtLogin('app', jwt),
      400,
      validating('no issued at (iat), not before (nbf), or expiration time (exp) claims in token'),
    );
    expectErrors(
      await jwtLogin('app', await sign({ sub: 'alice', aud: 'vault', exp: 'soon' as unknown as number })),
      400,
      validating('go-jose/go-jose/jwt: expected number value to unmarshal NumericDate'),
    );
  });

  it('restricts algorithms to jwt_supported_algs', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    await enable();
    await write('auth/jwt/config', {
      jwt_validation_pubkeys: [await exportSPKI(publicKey)],
      jwt_supported_algs: 'RS256',
    });
    await jwtRole();
    const jwt = await new SignJWT({ sub: 'alice', aud: 'vault', iat: now() })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    expectErrors(
      await jwtLogin('app', jwt),
      400,
      validating('invalid algorithm (alg) header parameter: token signed with unexpected algorithm'),
    );
  });

  it('needs the user claim as a string', async () => {
    const sign = await ownSigner();
    await jwtRole({ user_claim: 'email' });
    expectErrors(await jwtLogin('app', await sign({ sub: 'a', aud: 'vault', iat: now() })), 400, [
      'claim "email" not found in token',
    ]);
    expectErrors(await jwtLogin('app', await sign({ email: 42, aud: 'vault', iat: now() })), 400, [
      'claim "email" could not be converted to string',
    ]);
  });

  it('matches bound claims exactly, by JSON pointer, and with Go’s types (5 is not "5")', async () => {
    const sign = await ownSigner();
    await jwtRole({ bound_claims: { '/org/team': 'payments', level: 5 } });
    const base = { sub: 'alice', aud: 'vault', iat: now() };
    expect((await jwtLogin('app', await sign({ ...base, org: { team: 'payments' }, level: 5 }))).status).toBe(
      200,
    );
    expectErrors(await jwtLogin('app', await sign({ ...base, org: { team: 'payments' }, level: '5' })), 400, [
      'error validating claims: claim "level" does not match any associated bound claim values',
    ]);
    expectErrors(await jwtLogin('app', await sign({ ...base, level: 5 })), 400, [
      'error validating claims: claim "/org/team" is missing',
    ]);
    expectErrors(await jwtLogin('app', await sign({ ...base, org: { team: { x: 1 } }, level: 5 })), 400, [
      'error validating claims: received claim is not a string, bool, int or list: map[x:1]',
    ]);
  });

  it('matches glob bound claims against any item of a list claim', async () => {
    const sign = await ownSigner();
    await jwtRole({ bound_claims_type: 'glob', bound_claims: { groups: ['team-*', 'admins'] } });
    const base = { sub: 'alice', aud: 'vault', iat: now() };
    expect((await jwtLogin('app', await sign({ ...base, groups: ['users', 'team-blue'] }))).status).toBe(200);
    expectErrors(await jwtLogin('app', await sign({ ...base, groups: ['users', 'teams'] })), 400, [
      'error validating claims: claim "groups" does not match any associated bound claim values',
    ]);
  });

  it('keeps the glob type only when each write says so (it defaults back to string)', async () => {
    const sign = await ownSigner();
    await jwtRole({ bound_claims: { level: 5 } });
    // bound_claims_type alone: the numeric value was never checked as a glob string.
    await jwtRole({ bound_claims_type: 'glob' });
    expectErrors(await jwtLogin('app', await sign({ sub: 'a', aud: 'vault', iat: now(), level: 5 })), 400, [
      'error validating claims: received claim is not a glob string: %!e(json.Number=5)xpVal',
    ]);
  });

  it('maps claims to metadata, which must be strings', async () => {
    const sign = await ownSigner();
    await jwtRole({ claim_mappings: { email: 'email', '/org/team': 'team' } });
    const ok = await jwtLogin(
      'app',
      await sign({ sub: 'a', aud: 'vault', iat: now(), email: 'a@x', org: { team: 't' } }),
    );
    expect(ok.body.auth.metadata).toEqual({ email: 'a@x', team: 't', role: 'app' });
    expectErrors(
      await jwtLogin('app', await sign({ sub: 'a', aud: 'vault', iat: now(), email: ['a@x'] })),
      400,
      ["error converting claim 'email' to string"],
    );
  });

  it('never echoes the JWT in an error', async () => {
    const sign = await ownSigner();
    await jwtRole({ bound_claims: { team: 'x' } });
    const jwt = await sign({ sub: 'alice', aud: 'vault', iat: now(), team: 'y' });
    for (const body of [
      { role: 'app', jwt },
      { role: 'nope', jwt },
      { role: 'app', jwt: `${jwt}x` },
    ]) {
      const res = await call(mock, 'POST', 'auth/jwt/login', body, { token: null });
      expect(res.status).toBe(400);
      expect(res.text).not.toContain(jwt.split('.')[2]!);
    }
  });
});

/** The dev server from the built bin; skipped on a tree that has not been built (`npm run build`). */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

describe.skipIf(!existsSync(CLI))('the dev server prints what a cluster admin looks up for JWT auth', () => {
  it('issuer, JWKS URL and public key PEM beside the token file, each enough to log in', async () => {
    const child = spawn(process.execPath, [CLI, 'mock-vault', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', () => out.includes('Press Ctrl+C') && resolve());
        child.once('exit', (code) => reject(new Error(`mock-vault exited with ${code}: ${out}`)));
      });
      const field = (pattern: RegExp) => pattern.exec(out)?.[1] ?? '';
      const vault = { address: field(/VAULT_ADDR=(\S+)/), rootToken: field(/VAULT_TOKEN=(\S+)/) };
      const issuer = field(/Service-account issuer: (\S+)/);
      const jwksUrl = field(/Service-account JWKS URL: (\S+)/);
      const pemFile = field(/Service-account signing key \(public, PEM\): (\S+)/);
      const pem = readFileSync(pemFile, 'utf8');
      expect(out).toContain(pem.trim());
      const jwt = readFileSync(field(/Service-account token file \([^)]*\): (\S+)/), 'utf8').trim();
      expect(JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).iss).toBe(issuer);

      await enableAuth(vault, 'jwt');
      const role = {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: 'https://kubernetes.default.svc.cluster.local',
        bound_subject: 'system:serviceaccount:default:myapp-sa',
      };
      expect((await call(vault, 'POST', 'auth/jwt/role/myapp-role', role)).status).toBe(204);
      // The mock's Vault runs in the cluster: the issuer URL works with the cluster CA.
      const ca = readFileSync(field(/Kubernetes CA for auth\/kubernetes\/config: (\S+)/), 'utf8');
      const sources = [
        { oidc_discovery_url: issuer, oidc_discovery_ca_pem: ca },
        { jwks_url: jwksUrl },
        { jwt_validation_pubkeys: pem },
      ];
      for (const source of sources) {
        const config = await call(vault, 'POST', 'auth/jwt/config', { ...source, bound_issuer: issuer });
        expect(config.status, config.text).toBe(204);
        const res = await call(vault, 'POST', 'auth/jwt/login', { role: 'myapp-role', jwt }, { token: null });
        expect(res.status, `${Object.keys(source)[0]}: ${res.text}`).toBe(200);
      }
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
