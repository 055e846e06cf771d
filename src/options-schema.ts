import * as z from 'zod';
import { MAX_TIMER_MS } from './internal/clock';
import { closest } from './internal/closest-name';
import type { Clock } from './types/clock';
import type { Logger } from './types/logger';

/**
 * The zod schema of the constructor's options (zod is our own validator here; it never shows in
 * the public types), with messages that name the option, say what is wrong and what to write
 * instead. Numbers are echoed in messages; strings never are, since one may be a token.
 */

/** Control characters (CR/LF above all) would let an option inject headers or log lines. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const got = (input: unknown) =>
  typeof input === 'number' || typeof input === 'bigint' || typeof input === 'boolean'
    ? ` (got ${String(input)})`
    : input === undefined || input === null
      ? ''
      : ` (got ${Array.isArray(input) ? 'an array' : `a ${typeof input}`})`;

/** A duration in ms Node can arm as a timer. */
const ms = (what: string, example: string, min: 0 | 1 = 1) =>
  z
    .number({ error: (iss) => `expected ${what} in milliseconds, e.g. ${example}${got(iss.input)}` })
    .int({ error: (iss) => `expected a whole number of milliseconds, e.g. ${example}${got(iss.input)}` })
    .min(min, {
      error: (iss) =>
        `must be ${min === 0 ? '0 or more' : 'more than 0'} milliseconds, e.g. ${example}${got(iss.input)}`,
    })
    .max(MAX_TIMER_MS, {
      error: (iss) =>
        `is longer than the longest timer Node keeps (${MAX_TIMER_MS} ms, about 24.8 days); write ${what} such as ${example}${got(iss.input)}`,
    });

/** A share of a lifetime, strictly between two bounds. */
const share = (what: string, low: number, high: number, example: string) =>
  z
    .number({
      error: (iss) =>
        `expected ${what} as a number between ${low} and ${high}, e.g. ${example}${got(iss.input)}`,
    })
    .gt(low, { error: (iss) => `must be more than ${low}, e.g. ${example}${got(iss.input)}` })
    .lt(high, { error: (iss) => `must be less than ${high}, e.g. ${example}${got(iss.input)}` });

const count = (what: string, min: number, max: number, example: string) =>
  z
    .number({ error: (iss) => `expected ${what} as a whole number, e.g. ${example}${got(iss.input)}` })
    .int({ error: (iss) => `expected a whole number, e.g. ${example}${got(iss.input)}` })
    .min(min, { error: (iss) => `must be at least ${min}, e.g. ${example}${got(iss.input)}` })
    .max(max, { error: (iss) => `must be at most ${max}, e.g. ${example}${got(iss.input)}` });

/** A non-empty single-line string; surrounding whitespace (a file's trailing newline) is trimmed. */
const text = (what: string, example: string) =>
  z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? `missing: ${what} is required, e.g. ${example}`
          : `expected ${what} as a string, e.g. ${example}${got(iss.input)}`,
    })
    .trim()
    .min(1, { error: `is empty: write ${what}, e.g. ${example}` })
    .refine((v) => !CONTROL.test(v), {
      error: `contains a line break or another control character; write ${what} on one line, e.g. ${example}`,
    });

/** PEM text: several lines by nature, so only emptiness is checked here (TLS setup reads it). */
const pem = (what: string, example: string) =>
  z
    .string({ error: (iss) => `expected ${what} as a string, e.g. ${example}${got(iss.input)}` })
    .trim()
    .min(1, { error: `is empty: write ${what}, e.g. ${example}` });

const fn = <T>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { error: (iss) => `expected ${what}${got(iss.input)}` });

/**
 * A mount or namespace path: slashes around it are dropped, and each segment must be a plain name,
 * so `k/../../sys` cannot steer a login to another path.
 */
const mountPath = (what: string, example: string, stripAuth: boolean) =>
  text(what, example)
    .transform((v) => {
      const trimmed = v.replace(/^\/+|\/+$/g, '');
      return stripAuth ? trimmed.replace(/^auth\//, '') : trimmed;
    })
    .superRefine((v, ctx) => {
      const bad = pathProblem(v);
      if (bad) ctx.addIssue({ code: 'custom', message: `${bad}; write ${what} such as ${example}` });
    });

/** What is wrong with a slash-separated Vault path of plain names, if anything. */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  for (const segment of path.split('/')) {
    if (segment === '') return 'has an empty segment (two slashes in a row)';
    if (segment === '.' || segment === '..') return `has a '${segment}' segment`;
    if (!/^[A-Za-z0-9._~@+=-]+$/.test(segment))
      return `has a segment with characters Vault paths do not take ('${segment.replace(/[^\x20-\x7e]/g, '?')}')`;
  }
  return undefined;
}

/** Where to point the client, or what is wrong with the address; shared by the option and VAULT_ADDR. */
export function addressProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL; write it as 'https://vault.example:8200'";
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `uses ${url.protocol.replace(/:$/, '')}://; write an http(s) URL such as 'https://vault.example:8200'`;
  }
  // fetch refuses URLs with credentials, and they would end up in every connection error.
  if (url.username || url.password) {
    return 'holds a user name or password (user:pass@); Vault does not take them there: remove them and use auth instead';
  }
  if (url.search || url.hash)
    return "has a query or fragment; write only scheme, host, port (and a proxy's path prefix)";
  if (/\/v1\/?$/.test(url.pathname)) {
    return `ends in /v1, the API prefix the client adds itself; write '${url.origin}${url.pathname.replace(/\/v1\/?$/, '')}'`;
  }
  return undefined;
}

/** A namespace option: trimmed, slashes around it dropped, '' meaning none. */
const namespaceField = z
  .string({
    error: (iss) => `expected the namespace as a string, e.g. 'team-a' or 'admin/team-a'${got(iss.input)}`,
  })
  .superRefine((v, ctx) => {
    const problem = namespaceProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((v) => v.trim().replace(/^\/+|\/+$/g, '') || undefined);

const jwtSource = z
  .union([text('the JWT', 'auth.jwt'), fn<() => string>('a JWT string or a function returning one')])
  .optional();

const TOKEN_FILE = "'/var/run/secrets/kubernetes.io/serviceaccount/token'";

/** The methods the client logs in with, each with its own options. `method` defaults to kubernetes. */
const AUTH_METHODS = {
  kubernetes: z.strictObject({
    method: z.literal('kubernetes'),
    role: text('the Vault role name', "auth: { role: 'my-app' }"),
    mount: mountPath('the auth mount', "'kubernetes'", true).optional(),
    tokenPath: text('the service-account token file', TOKEN_FILE).optional(),
    jwt: jwtSource,
    namespace: namespaceField.optional(),
  }),
  jwt: z.strictObject({
    method: z.literal('jwt'),
    role: text('the Vault role name', "auth: { method: 'jwt', role: 'my-app' }"),
    mount: mountPath('the auth mount', "'jwt'", true).optional(),
    tokenPath: text('the JWT file', TOKEN_FILE).optional(),
    jwt: jwtSource,
    namespace: namespaceField.optional(),
  }),
  approle: z
    .strictObject({
      method: z.literal('approle'),
      roleId: text('the role id', 'auth.roleId: process.env.VAULT_ROLE_ID').optional(),
      roleIdFile: text('the role id file', "'/run/secrets/role-id'").optional(),
      secretId: z
        .union([
          text('the secret id', 'auth.secretId: process.env.VAULT_SECRET_ID'),
          fn<() => string>('a secret id string or a function returning one'),
        ])
        .optional(),
      secretIdFile: text('the secret id file', "'/run/secrets/secret-id'").optional(),
      wrappedSecretId: text('the wrapping token of a secret id', 'auth.wrappedSecretId').optional(),
      mount: mountPath('the auth mount', "'approle'", true).optional(),
      namespace: namespaceField.optional(),
    })
    .superRefine((v, ctx) => {
      if ((v.roleId === undefined) === (v.roleIdFile === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['roleId'],
          message:
            v.roleId === undefined
              ? "missing: AppRole login needs the role id: set auth.roleId (or auth.roleIdFile), e.g. auth: { method: 'approle', roleId, secretIdFile: '/run/secrets/secret-id' }"
              : 'set either auth.roleId or auth.roleIdFile, not both',
        });
      }
      const secrets = (['secretId', 'secretIdFile', 'wrappedSecretId'] as const).filter(
        (k) => v[k] !== undefined,
      );
      if (secrets.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [secrets[1]!],
          message: `set one of auth.secretId, auth.secretIdFile or auth.wrappedSecretId, not ${secrets.map((k) => `auth.${k}`).join(' and ')}`,
        });
      }
    }),
  token: z
    .strictObject({
      method: z.literal('token'),
      token: text('the Vault token', "auth: { method: 'token', token: process.env.VAULT_TOKEN }").optional(),
      tokenPath: text('the token file', "'/vault/secrets/agent-inject-token'").optional(),
    })
    .superRefine((v, ctx) => {
      if ((v.token === undefined) === (v.tokenPath === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['token'],
          message:
            v.token === undefined
              ? "missing: set auth.token, or auth.tokenPath for a file such as '/vault/secrets/agent-inject-token'"
              : 'set either auth.token or auth.tokenPath, not both',
        });
      }
    }),
} as const;

export type AuthMethodName = keyof typeof AUTH_METHODS;

const METHOD_LIST = Object.keys(AUTH_METHODS)
  .map((m) => `'${m}'`)
  .join(', ');

const auth = z.preprocess(
  // No `method` means Kubernetes login, the client's reason to exist.
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    (v as { method?: unknown }).method === undefined
      ? { ...v, method: 'kubernetes' }
      : v,
  z.discriminatedUnion(
    'method',
    [AUTH_METHODS.kubernetes, AUTH_METHODS.jwt, AUTH_METHODS.approle, AUTH_METHODS.token],
    {
      error: (iss) =>
        iss.code === 'invalid_union'
          ? `${typeof iss.input === 'object' && iss.input !== null && typeof (iss.input as { method?: unknown }).method === 'string' ? `'${(iss.input as { method: string }).method}' is not` : 'expected'} a login method this client knows: ${METHOD_LIST} (kubernetes when left out)`
          : `expected an object such as { role: 'my-app' } for Kubernetes login, or { method: 'jwt' | 'approle' | 'token', ... }${got(iss.input)}`,
    },
  ),
);

const backoff = z
  .strictObject({ minMs: ms('a delay', '1_000').optional(), maxMs: ms('a delay', '300_000').optional() })
  .optional();

export const optionsSchema = z.strictObject({
  address: z
    .string({
      error: (iss) =>
        `expected the Vault address as a string, e.g. 'https://vault.example:8200'${got(iss.input)}`,
    })
    .trim()
    .superRefine((v, ctx) => {
      const problem = addressProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  namespace: z
    .string({
      error: (iss) => `expected the namespace as a string, e.g. 'team-a' or 'admin/team-a'${got(iss.input)}`,
    })
    .trim()
    .superRefine((v, ctx) => {
      const problem = namespaceProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  auth: auth.optional(),
  tls: z
    .strictObject({
      caCert: pem('the CA certificate PEM', "readFileSync('ca.pem', 'utf8')").optional(),
      caCertFile: text('the CA certificate file', "'/vault/tls/ca.crt'").optional(),
      caPath: text('a directory of CA certificates', "'/etc/ssl/vault'").optional(),
      clientCert: pem('the client certificate PEM', 'tls.clientCert').optional(),
      clientKey: pem('the client key PEM', 'tls.clientKey').optional(),
      clientCertFile: text('the client certificate file', "'/vault/tls/client.crt'").optional(),
      clientKeyFile: text('the client key file', "'/vault/tls/client.key'").optional(),
      serverName: text('the TLS server name', "'vault.internal'").optional(),
      skipVerify: z.boolean({ error: (iss) => `expected true or false${got(iss.input)}` }).optional(),
    })
    .optional(),
  timeouts: z
    .strictObject({
      requestMs: ms('a timeout', '10_000').optional(),
      totalMs: ms('a deadline', '60_000').optional(),
    })
    .optional(),
  retry: z
    .strictObject({
      maxRetries: count('the number of retries', 0, 20, '2').optional(),
      minDelayMs: ms('a delay', '250').optional(),
      maxDelayMs: ms('a delay', '8_000').optional(),
      maxRetryAfterMs: ms('the longest Retry-After to honour', '30_000', 0).optional(),
    })
    .optional(),
  token: z
    .strictObject({
      renewAt: share('the share of the TTL at which to renew', 0.05, 0.95, '2 / 3').optional(),
      jitter: z
        .number({ error: (iss) => `expected a share between 0 and 0.5, e.g. 0.1${got(iss.input)}` })
        .min(0, { error: (iss) => `must be 0 or more, e.g. 0.1${got(iss.input)}` })
        .max(0.5, { error: (iss) => `must be at most 0.5, e.g. 0.1${got(iss.input)}` })
        .optional(),
      loginBackoff: backoff,
    })
    .optional(),
  secrets: z
    .strictObject({
      maxEntries: count('the number of cached secrets', 1, 10_000_000, '1000').optional(),
      renewAt: share('the share of the lease at which to renew', 0.05, 0.95, '2 / 3').optional(),
      jitter: z
        .number({ error: (iss) => `expected a share between 0 and 0.5, e.g. 0.1${got(iss.input)}` })
        .min(0, { error: (iss) => `must be 0 or more, e.g. 0.1${got(iss.input)}` })
        .max(0.5, { error: (iss) => `must be at most 0.5, e.g. 0.1${got(iss.input)}` })
        .optional(),
      rotateBefore: share('the share of the lease before its end to replace it', 0, 0.9, '1 / 3').optional(),
      graceMs: ms('a grace period', '60_000', 0).optional(),
      drainMs: ms('a drain period', '30_000', 0).optional(),
      pollIntervalMs: ms('an interval', '300_000').optional(),
      certificateRenewAt: share(
        'the share of the certificate lifetime at which to re-issue',
        0.05,
        0.95,
        '2 / 3',
      ).optional(),
      backoff,
    })
    .optional(),
  logger: z
    .custom<Logger>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['debug', 'info', 'warn', 'error'].every(
          (m) => typeof (v as Record<string, unknown>)[m] === 'function',
        ),
      { error: 'expected a logger with debug, info, warn and error methods (pino fits)' },
    )
    .optional(),
  logLevel: z
    .enum(['debug', 'info', 'warn', 'error', 'silent'], {
      error: "expected one of 'debug', 'info', 'warn', 'error' or 'silent'",
    })
    .optional(),
  clock: z
    .custom<Clock>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        ['now', 'setTimeout', 'clearTimeout'].every(
          (m) => typeof (v as Record<string, unknown>)[m] === 'function',
        ),
      { error: 'expected a clock with now, setTimeout and clearTimeout' },
    )
    .optional(),
  fetch: fn<typeof fetch>('a fetch function').optional(),
  maxResponseBytes: z
    .number({ error: 'expected a size in bytes' })
    .int()
    .min(1024, { error: 'expected at least 1024 bytes' })
    .max(2 ** 31 - 1, { error: 'expected at most 2 GiB' })
    .optional(),
  telemetry: z.boolean({ error: (iss) => `expected true or false${got(iss.input)}` }).optional(),
});

/** What is wrong with a namespace, if anything; shared by the option and VAULT_NAMESPACE. '' means none. */
export function namespaceProblem(value: string): string | undefined {
  if (CONTROL.test(value)) {
    return "contains a line break or another control character; write the namespace on one line, e.g. 'team-a'";
  }
  const path = value.trim().replace(/^\/+|\/+$/g, '');
  if (path === '') return undefined;
  const bad = pathProblem(path);
  return bad ? `${bad}; write a namespace such as 'team-a' or 'admin/team-a'` : undefined;
}

/** Option names under each object, for "did you mean" guesses. */
const KNOWN_KEYS: Record<string, string[]> = {
  '': Object.keys(optionsSchema.shape),
  auth: [...new Set(Object.values(AUTH_METHODS).flatMap((schema) => Object.keys(schema.shape)))],
  tls: Object.keys(optionsSchema.shape.tls.unwrap().shape),
  timeouts: Object.keys(optionsSchema.shape.timeouts.unwrap().shape),
  retry: Object.keys(optionsSchema.shape.retry.unwrap().shape),
  token: Object.keys(optionsSchema.shape.token.unwrap().shape),
  'token.loginBackoff': ['minMs', 'maxMs'],
  secrets: Object.keys(optionsSchema.shape.secrets.unwrap().shape),
  'secrets.backoff': ['minMs', 'maxMs'],
};

export type ParsedOptions = z.infer<typeof optionsSchema>;

/** One line per problem: the option's name, what is wrong, what to write instead. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => {
          const known = KNOWN_KEYS[where] ?? [];
          const guess = closest(key, known);
          const name = where ? `${where}.${key}` : key;
          return `unknown option '${name}'${guess ? ` (did you mean '${where ? `${where}.` : ''}${guess}'?)` : ''}; known options here: ${known.join(', ')}`;
        })
        .join('\n  ');
    }
    return `option '${where || '(root)'}': ${issue.message}`;
  });
  return `invalid VaultKubernetesClient options:\n  ${lines.join('\n  ')}`;
}
