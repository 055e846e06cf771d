import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createTlsMaterial } from '../../src/testing/tls';

/**
 * A hostile Vault on loopback: a server that answers whatever a test asks for, byte by byte,
 * including what no real Vault would send (bodies cut short, bodies that never end, stalls,
 * resets, redirects, garbage instead of HTTP). Every helper's hostile tests use it; the mock
 * Vault is for behaviour that is right, this is for behaviour that is wrong on purpose.
 *
 *   const vault = await startHostileVault();
 *   vault.route('auth/kubernetes/login', reply.login('hvs.…'));
 *   vault.route('secret/data/app', { status: 200, body: '{"data":{"pass', truncate: true });
 *   const client = new VaultKubernetesClient({ address: vault.address, … });
 *   …
 *   expect(vault.requests.map((r) => r.path)).toEqual([…]);
 *   await vault.close();
 *
 * Routes are tried newest first; a route with `times` is used that often and then dropped.
 * Requests no route matches get Vault's 404 (`{"errors":[]}`).
 */

/** One answer, described as data. Fields combine: headers and a body, then a cut, a stall or a reset. */
export interface HostileReply {
  /** Default 200. */
  status?: number;
  /** Extra response headers (`content-type` defaults to application/json when a body is given). */
  headers?: Record<string, string | string[]>;
  /** Sent as is; a plain object or array is sent as JSON. */
  body?: string | Uint8Array | object;
  /**
   * An answer cut short: `content-length` promises more than is sent (by default twice the body,
   * or `declaredBytes`), then the connection is destroyed after `body`.
   */
  truncate?: boolean | { declaredBytes: number };
  /**
   * A body generated on the fly, never held in memory: `bytes` in total after `prefix`, in chunks
   * of `chunkBytes` (default 64 KiB) of `fill` (default 'x'), with `content-length` unless
   * `chunked` (then the size is not announced).
   */
  stream?: { bytes: number; prefix?: string; chunkBytes?: number; fill?: string; chunked?: boolean };
  /** Never finishes: before the status line, or after the headers (and `body`, if any). */
  stall?: 'before-headers' | 'after-headers';
  /** Destroys the connection: before any byte, or after the headers (and `body`, if any). */
  reset?: 'before-headers' | 'after-headers';
  /** Bytes written on the socket instead of an HTTP answer, then the connection is ended. */
  raw?: string | Uint8Array;
}

export interface RecordedRequest {
  method: string;
  /** The URL as received, with its query. */
  url: string;
  /** The Vault API path: the URL path without `/v1/`, percent-decoded, no query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The raw request body as text. */
  body: string;
  /** Settles when the connection this request came on closes (a client that drops it, or close()). */
  connectionClosed: Promise<void>;
}

export type ReplyFor = HostileReply | ((request: RecordedRequest) => HostileReply | Promise<HostileReply>);

export interface RouteOptions {
  /** Only for this method (GET, POST, …); any method when absent. */
  method?: string;
  /** How many requests this route answers before it is dropped; default unlimited. */
  times?: number;
}

export interface HostileVault {
  /** `http://127.0.0.1:<port>` (or `https://…` with `tls`). */
  readonly address: string;
  readonly port: number;
  /** Every request received, in order (requests answered with `raw` or a connection-level fault included). */
  readonly requests: RecordedRequest[];
  /** PEM of the CA that signed the server certificate (`tls` only). */
  readonly ca: string | undefined;
  /** TCP connections accepted so far, and how many are open now. */
  connections(): { accepted: number; open: number };
  /** Answers requests whose Vault path matches: exact (`secret/data/x`), a prefix (`secret/*`) or a RegExp. */
  route(path: string | RegExp, reply: ReplyFor, options?: RouteOptions): this;
  /** Answers every request not matched by a route (replaces the 404 fallback). */
  fallback(reply: ReplyFor): this;
  /** Treats each new TCP connection itself, before any HTTP: to accept and say nothing, or speak garbage. */
  onConnection(handler: ((socket: Socket) => void) | undefined): this;
  /** Resolves once `count` requests (in all) have been received: for waiting on a stalled call without sleeping. */
  waitForRequests(count: number): Promise<void>;
  /** Resolves once at most `open` connections are open (0: the client let go of every one). */
  waitForOpenConnections(open: number): Promise<void>;
  /** Ends every connection (stalled ones included) and stops listening. */
  close(): Promise<void>;
}

interface Route {
  match: (request: RecordedRequest) => boolean;
  reply: ReplyFor;
  remaining: number;
}

export async function startHostileVault(
  options: { tls?: boolean /** Default 0: any free port. */; port?: number } = {},
): Promise<HostileVault> {
  const routes: Route[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const closeWaiters: { open: number; resolve: () => void }[] = [];
  let fallback: ReplyFor = { status: 404, body: { errors: [] } };
  let connectionHandler: ((socket: Socket) => void) | undefined;
  let accepted = 0;

  const material = options.tls ? createTlsMaterial('127.0.0.1') : undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res);
  };
  const http: Server = material
    ? createHttpsServer({ key: material.server.privateKey, cert: material.server.certificate }, onRequest)
    : createHttpServer(onRequest);
  // Stalls are the point of some tests: never let Node's own timeouts end them first.
  http.requestTimeout = 0;
  http.headersTimeout = 0;
  http.keepAliveTimeout = 60_000;

  // Every connection arrives here first, so a test can take one over before HTTP (or TLS) starts.
  const tcp: NetServer = createNetServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      for (const waiter of [...closeWaiters]) {
        if (sockets.size <= waiter.open) {
          closeWaiters.splice(closeWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
    socket.on('error', () => undefined);
    if (connectionHandler) connectionHandler(socket);
    else http.emit('connection', socket);
  });

  // One promise per connection, not one listener per request: a keep-alive connection carries
  // many requests, and a listener each would pile up on its socket.
  const closed = new WeakMap<Socket, Promise<void>>();
  function closedPromise(socket: Socket): Promise<void> {
    let promise = closed.get(socket);
    if (!promise) {
      promise = socket.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => socket.once('close', () => resolve()));
      closed.set(socket, promise);
    }
    return promise;
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://vault.invalid');
    let path = url.pathname.replace(/^\/v1\//, '');
    try {
      path = decodeURIComponent(path);
    } catch {
      // a path that is not valid percent-encoding is recorded as received
    }
    const connectionClosed = closedPromise(req.socket);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      connectionClosed,
    };
    requests.push(recorded);
    for (const waiter of [...waiters]) {
      if (requests.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    const route = routes.find((r) => r.remaining > 0 && r.match(recorded));
    if (route) {
      route.remaining--;
      if (route.remaining === 0) routes.splice(routes.indexOf(route), 1);
    }
    const source = route?.reply ?? fallback;
    try {
      const reply = typeof source === 'function' ? await source(recorded) : source;
      await send(res, reply);
    } catch {
      res.socket?.destroy();
    }
  }

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port ?? 0, '127.0.0.1', () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const port = (tcp.address() as { port: number }).port;

  const vault: HostileVault = {
    address: `${material ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    ca: material?.caCertificate,
    connections: () => ({ accepted, open: sockets.size }),
    route(path, reply, routeOptions = {}) {
      const method = routeOptions.method?.toUpperCase();
      const matchPath =
        typeof path === 'string'
          ? path.endsWith('*')
            ? (p: string) => p.startsWith(path.slice(0, -1))
            : (p: string) => p === path
          : (p: string) => path.test(p);
      routes.unshift({
        match: (r) => (!method || r.method === method) && matchPath(r.path),
        reply,
        remaining: routeOptions.times ?? Number.POSITIVE_INFINITY,
      });
      return vault;
    },
    fallback(reply) {
      fallback = reply;
      return vault;
    },
    onConnection(handler) {
      connectionHandler = handler;
      return vault;
    },
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    waitForOpenConnections(open) {
      if (sockets.size <= open) return Promise.resolve();
      return new Promise((resolve) => closeWaiters.push({ open, resolve }));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      http.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
  return vault;
}

async function send(res: ServerResponse, reply: HostileReply): Promise<void> {
  const socket = res.socket;
  if (reply.raw !== undefined) {
    socket?.end(reply.raw);
    return;
  }
  if (reply.reset === 'before-headers') {
    socket?.destroy();
    return;
  }
  if (reply.stall === 'before-headers') return;

  const body = encodeBody(reply.body);
  res.statusCode = reply.status ?? 200;
  if (body !== undefined || reply.stream) res.setHeader('content-type', 'application/json');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);

  if (reply.stream) {
    await stream(res, reply.stream);
    return;
  }
  if (reply.truncate) {
    const declared =
      typeof reply.truncate === 'object'
        ? reply.truncate.declaredBytes
        : Math.max(1, (body?.length ?? 0) * 2);
    res.setHeader('content-length', declared);
    res.flushHeaders();
    if (body) res.write(body);
    // Give the bytes a turn to leave before the connection goes.
    setImmediate(() => socket?.destroy());
    return;
  }
  if (reply.reset === 'after-headers' || reply.stall === 'after-headers') {
    if (body) res.setHeader('content-length', body.length + 1);
    res.flushHeaders();
    if (body) res.write(body);
    if (reply.reset) setImmediate(() => socket?.destroy());
    return;
  }
  res.end(body);
}

function encodeBody(body: HostileReply['body']): Buffer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Writes a big body in chunks, waiting for the socket to drain, and stops when the client goes away. */
async function stream(res: ServerResponse, spec: NonNullable<HostileReply['stream']>): Promise<void> {
  const prefix = Buffer.from(spec.prefix ?? '', 'utf8');
  const chunkBytes = spec.chunkBytes ?? 64 * 1024;
  const chunk = Buffer.alloc(chunkBytes, spec.fill ?? 'x');
  if (!spec.chunked) res.setHeader('content-length', prefix.length + spec.bytes);
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  if (prefix.length > 0) res.write(prefix);
  for (let sent = 0; sent < spec.bytes && !gone; ) {
    const n = Math.min(chunkBytes, spec.bytes - sent);
    const ok = res.write(n === chunkBytes ? chunk : chunk.subarray(0, n));
    sent += n;
    if (!ok && !gone) await drainOrClose(res);
  }
  if (!gone) res.end();
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Vault-shaped answers, for routes. */
export const reply = {
  /** A login answer carrying `token` (as `auth/<mount>/login` sends it). */
  login(
    token: string,
    options: { ttlSeconds?: number; renewable?: boolean; accessor?: string } = {},
  ): HostileReply {
    return {
      body: {
        request_id: 'b0b0b0b0-0000-0000-0000-000000000000',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
        warnings: null,
        auth: {
          client_token: token,
          accessor: options.accessor ?? 'accessor-hostile',
          policies: ['default'],
          token_policies: ['default'],
          metadata: { role: 'myapp-role' },
          lease_duration: options.ttlSeconds ?? 3600,
          renewable: options.renewable ?? true,
          entity_id: '',
          token_type: 'service',
          orphan: true,
        },
      },
    };
  },
  /** `auth/token/lookup-self` for a token that never expires (ttl 0), as a static-token client asks at start. */
  lookupSelf(options: { ttlSeconds?: number; policies?: string[] } = {}): HostileReply {
    return {
      body: {
        request_id: 'a0a0a0a0-0000-0000-0000-000000000000',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: {
          accessor: 'accessor-hostile',
          creation_ttl: options.ttlSeconds ?? 0,
          ttl: options.ttlSeconds ?? 0,
          renewable: false,
          policies: options.policies ?? ['root'],
          path: 'auth/token/root',
          display_name: 'token',
          id: 'redacted-by-the-harness',
        },
        wrap_info: null,
        warnings: null,
        auth: null,
      },
    };
  },
  /** A KV v2 read answer holding `data`. */
  kv2(data: Record<string, unknown>, version = 1): HostileReply {
    return {
      body: {
        request_id: 'c0c0c0c0-0000-0000-0000-000000000000',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: {
          data,
          metadata: { created_time: '2026-01-01T00:00:00Z', deletion_time: '', destroyed: false, version },
        },
        wrap_info: null,
        warnings: null,
        auth: null,
      },
    };
  },
  /** A plain read answer (KV v1, a dynamic secret) with `data` and an optional lease. */
  data(
    data: Record<string, unknown>,
    lease?: { id: string; ttlSeconds: number; renewable?: boolean },
  ): HostileReply {
    return {
      body: {
        request_id: 'd0d0d0d0-0000-0000-0000-000000000000',
        lease_id: lease?.id ?? '',
        renewable: lease?.renewable ?? false,
        lease_duration: lease?.ttlSeconds ?? 0,
        data,
        wrap_info: null,
        warnings: null,
        auth: null,
      },
    };
  },
  /** Vault's error answer: `{"errors":[...]}` with `status`. */
  errors(status: number, errors: string[], headers?: Record<string, string>): HostileReply {
    return { status, body: { errors }, ...(headers ? { headers } : {}) };
  },
  /** A redirect to `location`. */
  redirect(location: string, status = 307): HostileReply {
    return { status, headers: { location }, body: '' };
  },
};

/** A loopback port with nothing listening on it (bound, then released): connections are refused. */
export async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
