import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import {
  type ClientOptions,
  type Logger,
  type VaultClientEvents,
  VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { type MockVault, type MockVaultOptions, startMockVault } from 'vault-kubernetes-client/testing';

export interface LogLine {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown>;
}

export interface Harness {
  mock: MockVault;
  tokenPath: string;
  /** Every Vault token and JWT the clients sent, taken off the wire: what must never show up anywhere else. */
  secretsSent: Set<string>;
  logs: LogLine[];
  events: { name: keyof VaultClientEvents; payload: unknown }[];
  errors: unknown[];
  client(options?: Partial<ClientOptions>): VaultKubernetesClient;
  /** Everything the clients produced that a human or a log pipeline could see, as text. */
  visibleText(): string;
  close(): Promise<void>;
}

/** The client events the tests record (and scan for leaked secrets). */
export const EVENT_NAMES: (keyof VaultClientEvents)[] = [
  'auth:login',
  'auth:renewed',
  'lease:renewed',
  'lease:expired',
  'secret:rotated',
  'error',
];

/**
 * A mock Vault configured as in the article, plus clients wired to its clock that record what
 * they log, emit and send, so tests can assert on lifecycles and scan for leaked secrets.
 */
export async function createHarness(
  options: {
    mock?: MockVaultOptions;
    role?: Record<string, unknown>;
    policy?: string;
    /** Mount a database engine whose `app` role hands out leased credentials (default 1 h, max 4 h). */
    database?: { ttl?: string; maxTtl?: string };
  } = {},
): Promise<Harness> {
  const mock = await startMockVault(options.mock);
  // With Enterprise namespaces, the article's setup happens in the first one (as a team's would).
  const namespace = options.mock?.namespaces?.[0];
  const inNamespace = namespace === undefined ? {} : { namespace };
  if (namespace !== undefined) {
    await mock.write('sys/mounts/secret', { type: 'kv', options: { version: '2' } }, inNamespace);
  }
  await mock.setupKubernetesAuth({
    roleFields: options.role ?? {},
    ...(namespace === undefined ? {} : { vaultNamespace: namespace }),
  });
  await mock.write(
    'sys/policies/acl/myapp-policy',
    {
      policy:
        options.policy ??
        'path "secret/data/myapp/*" { capabilities = ["read"] }\npath "secret/metadata/myapp/*" { capabilities = ["read", "list"] }',
    },
    inNamespace,
  );
  await mock.write(
    'secret/data/myapp/config',
    { data: { username: 'app-user', password: 'kv-password-value-1' } },
    inNamespace,
  );
  if (options.database) await mountDatabase(mock, options.database);
  const tokenPath = await mock.cluster.writeToken({
    namespace: 'default',
    serviceAccount: 'myapp-sa',
    expiresIn: 30 * 86400,
  });
  const secretsSent = new Set<string>();
  const logs: LogLine[] = [];
  const events: Harness['events'] = [];
  const errors: unknown[] = [];
  const clients: VaultKubernetesClient[] = [];
  const logger: Logger = {
    debug: (fields, message) => logs.push({ level: 'debug', fields, message }),
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const stopRecording = recordWire(mock.address, secretsSent);
  return {
    mock,
    tokenPath,
    secretsSent,
    logs,
    events,
    errors,
    client(overrides = {}) {
      const client = new VaultKubernetesClient({
        address: mock.address,
        auth: { role: 'myapp-role', tokenPath },
        clock: mock.clock,
        logger,
        logLevel: 'debug',
        ...overrides,
      });
      for (const name of EVENT_NAMES) client.on(name, (payload) => events.push({ name, payload }));
      clients.push(client);
      return client;
    },
    visibleText() {
      const parts: string[] = [];
      for (const line of logs)
        parts.push(line.message, JSON.stringify(line.fields), inspect(line.fields, { depth: 8 }));
      for (const event of events)
        parts.push(JSON.stringify(event.payload), inspect(event.payload, { depth: 8 }));
      for (const error of errors) parts.push(describeError(error));
      for (const client of clients) parts.push(inspect(client, { depth: 8 }), JSON.stringify(client));
      return parts.join('\n');
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      stopRecording();
      await mock.close();
    },
  };
}

/**
 * Takes every Vault token and JWT the clients send to `address`, and every token Vault hands out
 * to them, off the wire through Node's diagnostics channels (on the mock's HTTP server, and in
 * undici for a client given a `fetch`), so the clients run exactly as in production.
 */
function recordWire(address: string, into: Set<string>): () => void {
  const target = new URL(address);
  const addToken = (token: unknown) => {
    if (typeof token === 'string' && token !== '') into.add(token);
  };
  const addJwt = (body: string) => {
    try {
      addToken((JSON.parse(body || '{}') as { jwt?: unknown }).jwt);
    } catch {
      // not JSON: nothing to record
    }
  };
  const addIssued = (body: string) => {
    try {
      addToken((JSON.parse(body) as { auth?: { client_token?: unknown } }).auth?.client_token);
    } catch {
      // an answer cut short holds no token to record
    }
  };
  const issuing = (path: string) => /\/login|auth\/token\/create/.test(path);

  // The mock's own HTTP server (in this process): what arrives and what it answers, whatever the
  // client sends it with. Listeners are added before the mock's handler runs, so nothing is missed.
  type ServerSide = {
    request: NodeJS.ReadableStream & { url?: string; headers: Record<string, unknown> };
    response: { end: (chunk?: unknown, ...rest: unknown[]) => unknown };
    server: { address(): unknown };
  };
  const onServerRequest = ({ request, response, server }: ServerSide) => {
    if ((server.address() as { port?: number } | null)?.port !== Number(target.port)) return;
    addToken(request.headers['x-vault-token']);
    if (!issuing(request.url ?? '')) return;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => addJwt(Buffer.concat(chunks).toString('utf8')));
    const end = response.end;
    response.end = function (chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) addIssued(String(chunk));
      return end.call(this, chunk, ...rest);
    };
  };

  // undici (a `fetch` passed in the options).
  type UndiciRequest = { origin?: unknown; path?: string; body?: unknown };
  const ours = (request: UndiciRequest) => String(request.origin) === target.origin;
  const received = new WeakMap<object, Buffer[]>();
  const onCreate = ({ request }: { request: UndiciRequest }) => {
    if (!ours(request) || !request.path?.includes('/login')) return;
    addJwt(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
  };
  const onHeaders = ({ request, headers }: { request: UndiciRequest; headers: string }) => {
    if (ours(request)) addToken(/^x-vault-token: *(.+?)\r?$/im.exec(headers)?.[1]);
  };
  const onChunk = ({ request, chunk }: { request: UndiciRequest; chunk: Buffer }) => {
    if (!ours(request) || !issuing(request.path ?? '')) return;
    received.set(request, [...(received.get(request) ?? []), chunk]);
  };
  const onEnd = ({ request }: { request: UndiciRequest }) => {
    const chunks = received.get(request);
    if (chunks) addIssued(Buffer.concat(chunks).toString('utf8'));
  };

  const subscriptions: [string, (message: never) => void][] = [
    ['http.server.request.start', onServerRequest],
    ['undici:request:create', onCreate],
    ['undici:client:sendHeaders', onHeaders],
    ['undici:request:bodyChunkReceived', onChunk],
    ['undici:request:trailers', onEnd],
  ];
  for (const [name, listener] of subscriptions) subscribe(name, listener as (message: unknown) => void);
  return () => {
    for (const [name, listener] of subscriptions) unsubscribe(name, listener as (message: unknown) => void);
  };
}

/** Message, stack, every cause down the chain, inspect and JSON of an error. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current instanceof Error) parts.push(current.message, current.stack ?? '');
    parts.push(inspect(current, { depth: 8 }));
    try {
      parts.push(JSON.stringify(current));
    } catch {
      // circular causes are fine
    }
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

/** Captures what a promise rejects with, for asserting on the error and scanning it later. */
export async function rejection(promise: Promise<unknown>, into?: unknown[]): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    into?.push(error);
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** What the tests' app may do: read its KV secrets and dynamic database credentials, and revoke its leases. */
export const APP_POLICY = [
  'path "secret/data/myapp/*" { capabilities = ["read"] }',
  'path "secret/metadata/myapp/*" { capabilities = ["read"] }',
  'path "database/creds/app" { capabilities = ["read"] }',
  'path "sys/leases/revoke" { capabilities = ["update"] }',
].join('\n');

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

async function mountDatabase(mock: MockVault, options: { ttl?: string; maxTtl?: string }): Promise<void> {
  await mock.write('sys/mounts/database', { type: 'database' });
  await mock.write('database/config/pg', {
    plugin_name: 'in-memory-database-plugin',
    connection_url: 'postgresql://{{username}}:{{password}}@db:5432/app',
    allowed_roles: ['app'],
    username: 'vault',
    password: 'root-password',
  });
  await mock.write('database/roles/app', {
    db_name: 'pg',
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    ],
    default_ttl: options.ttl ?? '1h',
    max_ttl: options.maxTtl ?? '4h',
  });
}
