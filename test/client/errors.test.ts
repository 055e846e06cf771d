import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from 'vault-kubernetes-client';
import { ERROR_CLASSES, type ErrorCode } from 'vault-kubernetes-client';
import { describe, expect, it } from 'vitest';
import {
  asClientError,
  createResponseError,
  type ResponseErrorDetails,
  responseErrorCode,
} from '../../src/errors';

const details = (status: number, reasons: string[] = [], extra: Partial<ResponseErrorDetails> = {}) => ({
  status,
  method: 'GET',
  path: 'secret/data/app',
  errors: reasons,
  reasons,
  ...extra,
});

/** One instance per code, built the way the SDK builds it. A code added without a line here fails the first test. */
function oneOfEach(): api.VaultClientError[] {
  const claims = { namespace: 'ns', serviceAccount: 'sa', audience: ['vault'], issuer: 'k8s', expiresAt: 1 };
  return [
    new api.VaultConfigError('bad option'),
    ...(['missing', 'unreadable', 'empty', 'malformed', 'expired'] as const).map(
      (p) => new api.ServiceAccountTokenError(p, `token ${p}`, '/t'),
    ),
    new api.LoginCredentialError('no secret id', { credential: 'secretId', problem: 'missing' }),
    new api.VaultConnectionError('refused', 'ECONNREFUSED'),
    new api.VaultTimeoutError('slow'),
    new api.VaultDeadlineError('too long', 60_000),
    new api.VaultTlsError('untrusted', 'SELF_SIGNED_CERT_IN_CHAIN', 'set tls.caCert'),
    new api.VaultResponseTooLargeError('too big', { limitBytes: 10, receivedBytes: 11 }),
    new api.VaultResponseError('teapot', details(418)),
    new api.VaultBadRequestError('bad', details(400)),
    new api.VaultPermissionDeniedError('denied', details(403, ['permission denied'])),
    new api.VaultInvalidTokenError('invalid', details(403, ['invalid token'])),
    new api.VaultNotFoundError('none', details(404)),
    new api.VaultRateLimitError('slow down', details(429)),
    new api.VaultSealedError('sealed', details(503, ['Vault is sealed'])),
    new api.VaultServerError('boom', details(500)),
    new api.VaultLoginError('refused', { role: 'app', mount: 'kubernetes', reason: 'no', claims }),
    new api.VaultResponseShapeError('shape', { path: 'p', status: 200, issues: [] }),
    new api.SecretSchemaError('schema', { path: 'p', issues: [] }),
    new api.SecretFileError('file', { file: '/vault/secrets/db', problem: 'missing' }),
    new api.LeaseError('ERR_LEASE_EXPIRED', 'gone', { path: 'p' }),
    new api.DrainTimeoutError('drain', { path: 'p', pendingListeners: 2 }),
    new api.InvalidRequestError('bad call'),
    new api.ListenerError('listener threw', new Error('x')),
    asClientError(new TypeError('a bug')),
    new api.ClientClosedError(),
  ];
}

describe('one error taxonomy', () => {
  it('every code in the table is carried by exactly the class the table names, and every code is covered', () => {
    const errors = oneOfEach();
    const seen = new Set<ErrorCode>();
    for (const error of errors) {
      expect(error.name, error.code).toBe(ERROR_CLASSES[error.code]);
      expect(error).toBeInstanceOf(api.VaultClientError);
      seen.add(error.code);
    }
    expect([...seen].sort()).toEqual(Object.keys(ERROR_CLASSES).sort());
  });

  it('every error class the package exports is in the table, named in one style', () => {
    const exported = Object.entries(api).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
    );
    const named = new Set<string>(Object.values(ERROR_CLASSES));
    for (const [exportName, value] of exported) {
      const className = (value as { name: string }).name;
      expect(named.has(className), `${exportName} (${className}) is not in ERROR_CLASSES`).toBe(true);
    }
    // Errors about Vault and the way to it are Vault*Error; the app's own mistakes keep plain names.
    for (const className of named) expect(className).toMatch(/^[A-Z][A-Za-z]*Error$/);
    expect(api.ResponseShapeError).toBe(api.VaultResponseShapeError);
  });

  it('one factory decides the class from the status and Vault words, never from a proxy page', () => {
    const cases: [ReturnType<typeof details>, ErrorCode, typeof api.VaultResponseError][] = [
      [details(400, ['missing role']), 'ERR_VAULT_BAD_REQUEST', api.VaultBadRequestError],
      [details(403, ['permission denied']), 'ERR_VAULT_PERMISSION_DENIED', api.VaultPermissionDeniedError],
      [
        details(403, ['permission denied', 'invalid token']),
        'ERR_VAULT_INVALID_TOKEN',
        api.VaultInvalidTokenError,
      ],
      [details(404), 'ERR_VAULT_NOT_FOUND', api.VaultNotFoundError],
      [details(429), 'ERR_VAULT_RATE_LIMITED', api.VaultRateLimitError],
      [details(503, ['Vault is sealed']), 'ERR_VAULT_SEALED', api.VaultSealedError],
      [details(503, ['local node not active']), 'ERR_VAULT_SERVER', api.VaultServerError],
      [details(502), 'ERR_VAULT_SERVER', api.VaultServerError],
      [details(418), 'ERR_VAULT_RESPONSE', api.VaultResponseError],
      // A proxy's HTML with "Vault is sealed" inside is not Vault's verdict.
      [
        details(503, ['Vault is sealed'], { bodyExcerpt: '<html>' }),
        'ERR_VAULT_SERVER',
        api.VaultServerError,
      ],
      [
        details(403, ['invalid token'], { bodyExcerpt: '<html>' }),
        'ERR_VAULT_RESPONSE',
        api.VaultResponseError,
      ],
    ];
    for (const [d, code, Class] of cases) {
      expect(responseErrorCode(d), `${d.status} ${d.reasons}`).toBe(code);
      const error = createResponseError(d, (c) => `message for ${c}`);
      expect(error).toBeInstanceOf(Class);
      expect(error.constructor).toBe(Class);
      expect(error.code).toBe(code);
      expect(error.message).toBe(`message for ${code}`);
      expect(error.status).toBe(d.status);
    }
  });

  it('a deadline error is also a timeout error; an invalid token is also a permission denial', () => {
    expect(new api.VaultDeadlineError('late', 5)).toBeInstanceOf(api.VaultTimeoutError);
    expect(new api.VaultDeadlineError('late', 5)).toBeInstanceOf(api.VaultConnectionError);
    expect(new api.VaultInvalidTokenError('x', details(403))).toBeInstanceOf(api.VaultPermissionDeniedError);
  });

  it('anything thrown becomes ERR_INTERNAL without throwing again, whatever it is', () => {
    const hostile: unknown[] = [
      Object.create(null),
      {
        toString() {
          throw new Error('no');
        },
      },
      Symbol('s'),
      10n,
      undefined,
      null,
      'text',
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
        },
      ),
    ];
    for (const value of hostile) {
      const error = asClientError(value);
      expect(error.code).toBe('ERR_INTERNAL');
      expect(typeof error.message).toBe('string');
      expect(() => JSON.stringify(error)).not.toThrow();
    }
  });

  it('JSON shows the public facts and never the cause', () => {
    const cause = new Error('secret-in-cause s.abcdef');
    const error = new api.ListenerError('a listener threw', cause);
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: 'ListenerError',
      code: 'ERR_LISTENER',
      message: 'a listener threw',
    });
    expect(JSON.stringify(error)).not.toContain('secret-in-cause');
  });

  it("the README's Errors table names every code and its class", () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Errors'),
      readme.indexOf('\n## ', readme.indexOf('## Errors') + 3),
    );
    for (const [code, className] of Object.entries(ERROR_CLASSES)) {
      // ERR_SA_TOKEN_* share a row, written as ERR_SA_TOKEN_MISSING, `_UNREADABLE`, ...
      const written = code.startsWith('ERR_SA_TOKEN_')
        ? `\`${code.slice('ERR_SA_TOKEN'.length)}\``
        : `\`${code}\``;
      expect(section.includes(written) || section.includes(`\`${code}\``), code).toBe(true);
      expect(section, className).toContain(`\`${className}\``);
    }
  });
});
