import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorResponse, jsonHeaders } from '../core/envelope';
import type { MockResponse } from '../core/types';
import type { CoreRequest, VaultCore } from '../core/vault-core';
import type { FaultInjector } from './faults';
import { checkPatchContentType, readBody, readRequestData } from './request-body';
import {
  drain,
  type Incoming,
  lowerHeaders,
  type Outcome,
  parseRawRequest,
  splitTarget,
  uncleanRedirect,
  vaultPath,
  writeOutcome,
  writeRawOutcome,
} from './wire';

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
      target: req.url ?? '/',
      headers: lowerHeaders(req),
      readBody: () => readBody(req, options.maxRequestBytes),
      discardBody: () => drain(req),
      remoteAddress: req.socket.remoteAddress,
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
      processRequest(ctx, parseRawRequest(raw, (socket as Socket).remoteAddress))
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
  const [rawPath] = splitTarget(req.target);
  const path = vaultPath(rawPath);
  const record = (
    status: number,
    extra: {
      accessor?: string | undefined;
      error?: string | undefined;
      fault?: string | undefined;
      unhandled?: boolean;
    },
  ) =>
    core.audit.record({
      time: core.now(),
      method: req.method,
      path: path ?? rawPath,
      operation: req.method,
      status,
      accessor: extra.accessor,
      namespace: req.headers['x-vault-namespace'],
      error: extra.error,
      fault: extra.fault,
      unhandled: extra.unhandled ?? false,
      via: 'http',
    });

  const redirect = uncleanRedirect(req.method, req.target);
  if (redirect) {
    await req.discardBody();
    record(301, {});
    return { kind: 'respond', response: redirect };
  }

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
    const body = hasBody
      ? await readRequestData(req.method, req.readBody, contentType, options.maxRequestBytes)
      : {};
    if (req.method === 'GET' || req.method === 'DELETE') {
      for (const [key, value] of req.url.searchParams) if (key !== 'list') body[key] = value;
    }
    coreRequest = {
      method: req.method,
      path,
      query: req.url.searchParams,
      headers: req.headers,
      body,
      remoteAddress: req.remoteAddress,
    };
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
  // Vault's Date header is Vault's clock, the one its expirations are stated on: the mock's clock.
  headers.date ??= new Date(ctx.core.clock.now()).toUTCString();
  if (ctx.options.tls) headers['strict-transport-security'] = 'max-age=31536000; includeSubDomains';
  return outcome;
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
