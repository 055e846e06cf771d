import type { MockVault } from 'vault-kubernetes-client/testing';
import { expect } from 'vitest';

/** One answer of the mock as a client on the wire sees it. */
export interface Reply {
  status: number;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected loosely in tests
  body: any;
  headers: Headers;
}

export interface CallOptions {
  /** `null` sends no token; the root token by default. */
  token?: string | null | undefined;
  headers?: Record<string, string>;
  contentType?: string;
  /** Sent as is instead of `JSON.stringify(body)`. */
  rawBody?: string;
  dispatcher?: unknown;
}

export const DENIED = '1 error occurred:\n\t* permission denied\n\n';
export const INVALID_TOKEN = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
export const MYAPP_POLICY = 'path "secret/data/myapp/*" { capabilities = ["read"] }';

/** A request over real HTTP with the global fetch, the way any client reaches Vault. */
export async function call(
  mock: Pick<MockVault, 'address' | 'rootToken'>,
  method: string,
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? mock.rootToken : options.token;
  if (token !== null) headers['X-Vault-Token'] = token;
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  const init: RequestInit = { method, headers, ...(payload === undefined ? {} : { body: payload }) };
  // Node's fetch takes an undici dispatcher (custom CA, client certificate) beside the standard fields.
  if (options.dispatcher) Object.assign(init, { dispatcher: options.dispatcher });
  const res = await fetch(`${mock.address}/v1/${path.replace(/^\//, '')}`, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed, headers: res.headers };
}

/** Asserts Vault's error envelope: the status and the exact `errors` array. */
export function expectErrors(reply: Reply, status: number, errors: string[]): void {
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body: { errors } });
}

export async function writePolicy(mock: MockVault, name: string, policy: string): Promise<void> {
  const res = await call(mock, 'PUT', `sys/policies/acl/${name}`, { policy });
  expect(res.status).toBe(204);
}

/** A child token of root with these policies (plus `default`; an empty list inherits root's, as in Vault). */
export async function createToken(
  mock: MockVault,
  policies: string[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await call(mock, 'POST', 'auth/token/create', { policies, ...extra });
  expect(res.status, res.text).toBe(200);
  return res.body.auth.client_token;
}

/**
 * A plain error as Vault answers it outside a login: wrapped by multierror
 * (sdk/logical/response_util.go, github.com/hashicorp/go-multierror's format).
 */
export function wrapped(message: string): string[] {
  return [`1 error occurred:\n\t* ${message}\n\n`];
}

/** `vault auth enable -path=<path> <type>`: the mount must succeed (204). */
export async function enableAuth(
  mock: Pick<MockVault, 'address' | 'rootToken'>,
  type: string,
  path = type,
): Promise<void> {
  const res = await call(mock, 'POST', `sys/auth/${path}`, { type });
  expect(res.status, res.text).toBe(204);
}

/** The article's operator steps through the API: enable and configure Kubernetes auth. */
export async function enableKubernetesAuth(
  mock: MockVault,
  config: Record<string, unknown> = {},
): Promise<void> {
  await enableAuth(mock, 'kubernetes');
  const res = await call(mock, 'POST', 'auth/kubernetes/config', {
    kubernetes_host: mock.cluster.host,
    kubernetes_ca_cert: mock.cluster.caCertificate,
    token_reviewer_jwt: await mock.cluster.mintToken({ namespace: 'vault', serviceAccount: 'vault-auth' }),
    ...config,
  });
  expect(res.status, res.text).toBe(204);
}

export async function writeRole(
  mock: MockVault,
  name: string,
  fields: Record<string, unknown>,
): Promise<Reply> {
  const res = await call(mock, 'POST', `auth/kubernetes/role/${name}`, fields);
  expect(res.status, res.text).toBeLessThan(300);
  return res;
}

export function login(mock: MockVault, role: unknown, jwt: unknown, mount = 'kubernetes'): Promise<Reply> {
  const body: Record<string, unknown> = {};
  if (role !== undefined) body.role = role;
  if (jwt !== undefined) body.jwt = jwt;
  return call(mock, 'POST', `auth/${mount}/login`, body, { token: null });
}

/** A database engine with one dynamic role, as an operator would configure it. */
export async function setupDatabase(
  mock: MockVault,
  role = 'app',
  ttls: { default_ttl?: string | number; max_ttl?: string | number } = { default_ttl: '1h', max_ttl: '24h' },
): Promise<void> {
  const steps: [string, unknown][] = [
    ['sys/mounts/database', { type: 'database' }],
    [
      'database/config/postgres',
      {
        plugin_name: 'in-memory-database-plugin',
        connection_url: 'postgresql://{{username}}:{{password}}@db:5432/app',
        username: 'vault',
        password: 'vault-password',
        allowed_roles: role,
      },
    ],
    [
      `database/roles/${role}`,
      {
        db_name: 'postgres',
        creation_statements: ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';'],
        ...ttls,
      },
    ],
  ];
  for (const [path, body] of steps) {
    const res = await call(mock, 'POST', path, body);
    expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
  }
}

/** JSON value kinds, the level at which the fixtures' illustrative values are compared. */
export function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Same keys and JSON value kinds as a fixture's body: a subset, since the mock may add keys a fixture abbreviates. */
export function expectShape(actual: unknown, expected: unknown, at = '$'): void {
  expect(kind(actual), at).toBe(kind(expected));
  if (kind(expected) !== 'object') return;
  for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
    expect(actual as object, `${at}.${key}`).toHaveProperty([key]);
    expectShape((actual as Record<string, unknown>)[key], value, `${at}.${key}`);
  }
}
