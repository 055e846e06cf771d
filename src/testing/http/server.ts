import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer, STATUS_CODES } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { MockResponse } from '../core/types';
import type { CoreRequest, VaultCore } from '../core/vault-core';
import { errorResponse, jsonHeaders } from '../core/vault-core';
import { VaultError } from '../core/vault-error';
import type { FaultInjector } from './faults';
import { parseBody, readBody } from './request-body';

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
  requestClientCert: boolean;
}

export interface ServerOptions {
  host: string;
  port: number;
  tls: TlsMaterial | undefined;
  maxRequestBytes: number;
}

export interface RunningServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

interface Incoming {
  method: string;
  url: URL;
  headers: Record<string, string | undefined>;
  readBody: () => Promise<Buffer>;
  discardBody: () => Promise<void>;
}

type Outcome = { kind: 'respond'; response: MockResponse } | { kind: 'reset'; afterHeaders: boolean };

interface Context {
  core: VaultCore;
  faults: FaultInjector;
  options: ServerOptions;
  pending: Set<NodeJS.Timeout>;
}

const HTML_PAGE = (status: number) =>
  `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

/** The mock's listener: HTTP framing, injected faults and the audit record around `VaultCore.handle`. */
export async function startServer(
  core: VaultCore,
  faults: FaultInjector,
  options: ServerOptions,
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const ctx: Context = { core, faults, options, pending: new Set() };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const incoming: Incoming = {
      method: (req.method ?? 'GET').toUpperCase(),
      url: new URL(req.url ?? '/', 'http://mock'),
      headers: lowerHeaders(req),
      readBody: () => readBody(req, options.maxRequestBytes),
      discardBody: () => drain(req),
    };
    processRequest(ctx, incoming)
      .then((outcome) => writeOutcome(res, withListenerHeaders(ctx, outcome)))
      .catch(() => res.destroy());
  };
  const server: Server = options.tls
    ? createHttpsServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.ca,
          requestCert: options.tls.requestClientCert,
          rejectUnauthorized: options.tls.requestClientCert,
        },
        handler,
      )
    : createHttpServer(handler);
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  server.on('secureConnection', track);
  // Node's HTTP parser knows neither Vault's LIST verb nor arbitrary ones that Go's server
  // accepts (and Vault answers with 405); such requests arrive here, head and all.
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    const raw = error.rawPacket?.toString('latin1') ?? '';
    if (
      error.code === 'HPE_INVALID_METHOD' &&
      /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.[01]\r\n/.test(raw)
    ) {
      processRequest(ctx, parseRawRequest(raw))
        .then((outcome) => writeRawOutcome(socket, withListenerHeaders(ctx, outcome)))
        .catch(() => socket.destroy());
      return;
    }
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    address: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    close: async () => {
      for (const timer of ctx.pending) clearTimeout(timer);
      ctx.pending.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await closed;
    },
  };
}

async function processRequest(ctx: Context, req: Incoming): Promise<Outcome> {
  const { core, faults, options } = ctx;
  const path = vaultPath(req.url.pathname);
  const record = (
    status: number,
    extra: { accessor?: string; error?: string; fault?: string; unhandled?: boolean },
  ) =>
    core.audit.record({
      time: core.now(),
      method: req.method,
      path: path ?? req.url.pathname,
      operation: req.method,
      status,
      accessor: extra.accessor,
      namespace: req.headers['x-vault-namespace'],
      error: extra.error,
      fault: extra.fault,
      unhandled: extra.unhandled ?? false,
      via: 'http',
    });

  let slowed: string | undefined;
  for (const fault of path === undefined ? [] : faults.take(req.method, path)) {
    if (fault.kind === 'latency') {
      await delay(ctx, fault.ms);
      slowed = 'latency';
      continue;
    }
    await req.discardBody();
    if (fault.kind === 'reset') {
      record(0, { fault: 'reset' });
      return { kind: 'reset', afterHeaders: fault.afterHeaders };
    }
    let response: MockResponse;
    if (fault.kind === 'fail') {
      response = {
        status: fault.status,
        headers: { ...jsonHeaders(), ...fault.headers },
        body: { errors: fault.errors },
      };
    } else if (fault.kind === 'html') {
      response = {
        status: fault.status,
        headers: { 'content-type': 'text/html' },
        rawBody: HTML_PAGE(fault.status),
      };
    } else {
      response = {
        status: 429,
        headers: { ...jsonHeaders(), ...faults.rateLimitHeaders() },
        body: { errors: [`request path "${path}": rate limit quota exceeded`] },
      };
    }
    record(response.status, { fault: fault.kind, error: firstError(response) });
    return { kind: 'respond', response };
  }

  if (path === undefined) {
    await req.discardBody();
    record(404, {});
    return {
      kind: 'respond',
      response: {
        status: 404,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        rawBody: '404 page not found\n',
      },
    };
  }

  let coreRequest: CoreRequest;
  try {
    const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    if (!hasBody) await req.discardBody();
    const contentType = req.headers['content-type'];
    if (req.method === 'PATCH') checkPatchContentType(contentType);
    const body = hasBody ? await readRequestData(req, contentType, options.maxRequestBytes) : {};
    if (req.method === 'GET' || req.method === 'DELETE') {
      for (const [key, value] of req.url.searchParams) if (key !== 'list') body[key] = value;
    }
    coreRequest = { method: req.method, path, query: req.url.searchParams, headers: req.headers, body };
  } catch (error) {
    const response = errorResponse(error);
    if (response.status === 413) response.headers.connection = 'close';
    record(response.status, { error: firstError(response), fault: slowed });
    return { kind: 'respond', response };
  }
  const { response, accessor, unhandled } = await core.handle(coreRequest);
  if (unhandled) core.unhandled.push(`${req.method} ${path}`);
  record(response.status, { accessor, error: firstError(response), unhandled, fault: slowed });
  return { kind: 'respond', response };
}

/**
 * Headers Vault's listener puts on everything it answers (wrapGenericHandler's Cache-Control,
 * the TLS listener's default HSTS); an injected HTML page stands for a proxy and gets neither.
 */
function withListenerHeaders(ctx: Context, outcome: Outcome): Outcome {
  if (outcome.kind !== 'respond' || outcome.response.headers['content-type'] === 'text/html') return outcome;
  const headers = outcome.response.headers;
  headers['cache-control'] ??= 'no-store';
  if (ctx.options.tls) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return outcome;
}

/**
 * http/logical.go: PATCH needs the merge-patch media type (parameters allowed); a header that is
 * not a media type at all fails mime.ParseMediaType first, with Go's message and 400.
 */
function checkPatchContentType(header: string | undefined): void {
  const mediaType = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === '') throw new VaultError(400, 'mime: no media type');
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(mediaType)) {
    throw new VaultError(400, 'mime: expected slash after first token');
  }
  if (mediaType !== 'application/merge-patch+json') {
    throw new VaultError(
      415,
      `PATCH requires Content-Type of application/merge-patch+json, provided ${mediaType}`,
    );
  }
}

/**
 * The body as Vault's buildLogicalRequestNoAuth reads it. Vault hides the parser's detail from
 * the client: a body it cannot decode is `error parsing JSON`, 400, or 413 when the listener's
 * size limit cut it short. With a limit under the 512 bytes it peeks at first, the peek itself
 * fails (`error reading data`).
 */
async function readRequestData(
  req: Incoming,
  contentType: string | undefined,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await req.readBody();
  } catch (error) {
    if (error instanceof VaultError && error.status === 413) {
      const peekFailed = maxBytes < 512 && req.method !== 'PATCH';
      throw new VaultError(413, peekFailed ? 'error reading data' : 'error parsing JSON');
    }
    throw error;
  }
  try {
    return parseBody(raw, contentType);
  } catch (error) {
    if (error instanceof VaultError && error.status === 400) throw new VaultError(400, 'error parsing JSON');
    throw error;
  }
}

function writeOutcome(res: ServerResponse, outcome: Outcome): void {
  if (outcome.kind === 'reset') {
    if (outcome.afterHeaders) {
      // Headers promise a body that never comes: the connection dies mid-answer.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"request_id":"');
      setImmediate(() => res.socket?.destroy());
      return;
    }
    res.socket?.destroy();
    return;
  }
  const { response } = outcome;
  const body = response.rawBody ?? (response.body === undefined ? undefined : JSON.stringify(response.body));
  res.writeHead(response.status, response.headers);
  res.end(body);
}

function writeRawOutcome(socket: Duplex, outcome: Outcome): void {
  if (outcome.kind === 'reset') {
    socket.destroy();
    return;
  }
  const { response } = outcome;
  const body = Buffer.from(
    response.rawBody ?? (response.body === undefined ? '' : JSON.stringify(response.body)),
  );
  const headers = { ...response.headers, 'content-length': String(body.length), connection: 'close' };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.end(
    Buffer.concat([
      Buffer.from(`HTTP/1.1 ${response.status} ${statusText(response.status)}\r\n${head}\r\n\r\n`),
      body,
    ]),
  );
}

function parseRawRequest(raw: string): Incoming {
  const [head = ''] = raw.split('\r\n\r\n');
  const [requestLine = '', ...lines] = head.split('\r\n');
  const [method = 'LIST', target = '/'] = requestLine.split(' ');
  const headers: Record<string, string | undefined> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    method,
    url: new URL(target, 'http://mock'),
    headers,
    readBody: async () => Buffer.alloc(0),
    discardBody: async () => undefined,
  };
}

/** The Vault path after `/v1/`, or undefined for anything outside the API. */
function vaultPath(pathname: string): string | undefined {
  if (!pathname.startsWith('/v1/')) return undefined;
  try {
    return decodeURIComponent(pathname.slice(4));
  } catch {
    return pathname.slice(4);
  }
}

function delay(ctx: Context, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ctx.pending.delete(timer);
      resolve();
    }, ms);
    ctx.pending.add(timer);
  });
}

function firstError(response: MockResponse): string | undefined {
  const errors = (response.body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) && typeof errors[0] === 'string' ? errors[0] : undefined;
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Status';
}

function lowerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers)) out[key] = Array.isArray(value) ? value[0] : value;
  return out;
}

async function drain(req: IncomingMessage): Promise<void> {
  try {
    for await (const _ of req) {
      // discard
    }
  } catch {
    // the client may already be gone
  }
}
