import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import type { MockResponse } from '../core/types';

/*
 * HTTP/1.1 framing for the mock's listener: writing answers (or dying mid-answer), and reading
 * the requests Node's parser refuses, such as Vault's LIST verb.
 */

/** A request as the server hands it on, whether Node parsed it or the mock read the raw bytes. */
export interface Incoming {
  method: string;
  url: URL;
  /** The request target as sent: `url` has already resolved `.`, `..` and `%2e` the way browsers do. */
  target: string;
  headers: Record<string, string | undefined>;
  readBody: () => Promise<Buffer>;
  discardBody: () => Promise<void>;
  /** The socket's remote address: Vault binds tokens and AppRole secret IDs to client addresses. */
  remoteAddress?: string | undefined;
}

export type Outcome = { kind: 'respond'; response: MockResponse } | { kind: 'reset'; afterHeaders: boolean };

export function writeOutcome(res: ServerResponse, outcome: Outcome): void {
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

export function writeRawOutcome(socket: Duplex, outcome: Outcome): void {
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

export function parseRawRequest(raw: string, remoteAddress?: string): Incoming {
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
    target,
    headers,
    readBody: async () => Buffer.alloc(0),
    discardBody: async () => undefined,
    remoteAddress,
  };
}

/**
 * Vault's listener is Go's http.ServeMux (vault http/handler.go `Handler`), which cleans the
 * escaped request path (net/http server.go `cleanPath`: `.`, `..` and repeated slashes, a
 * trailing slash kept) and answers a path that was not clean with a 301 to the clean one instead
 * of serving it. `%2e%2e` and `%2f` are not cleaned: they reach Vault decoded.
 */
export function uncleanRedirect(method: string, target: string): MockResponse | undefined {
  const [rawPath = '', query] = splitTarget(target);
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const clean = posix.normalize(path);
  if (clean === rawPath) return undefined;
  const location = query === undefined ? clean : `${clean}?${query}`;
  // net/http Redirect: an HTML link for GET only; the content type for GET and HEAD.
  const html = method === 'GET' || method === 'HEAD';
  return {
    status: 301,
    headers: { location, ...(html ? { 'content-type': 'text/html; charset=utf-8' } : {}) },
    ...(method === 'GET' ? { rawBody: `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n` } : {}),
  };
}

/** The path and query of a request target, as sent (origin form), or of an absolute URL. */
export function splitTarget(target: string): [string, string | undefined] {
  if (!target.startsWith('/')) {
    try {
      const url = new URL(target);
      return [url.pathname, url.search === '' ? undefined : url.search.slice(1)];
    } catch {
      return [target, undefined];
    }
  }
  const at = target.indexOf('?');
  return at === -1 ? [target, undefined] : [target.slice(0, at), target.slice(at + 1)];
}

/** Go's html.EscapeString as net/http's Redirect uses it. */
function htmlEscape(text: string): string {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&#34;',
    "'": '&#39;',
  };
  return text.replace(/[&'<>"]/g, (c) => entities[c] ?? c);
}

/** The Vault path after `/v1/`, or undefined for anything outside the API. */
export function vaultPath(pathname: string): string | undefined {
  if (!pathname.startsWith('/v1/')) return undefined;
  try {
    return decodeURIComponent(pathname.slice(4));
  } catch {
    return pathname.slice(4);
  }
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Status';
}

export function lowerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers)) out[key] = Array.isArray(value) ? value[0] : value;
  return out;
}

export async function drain(req: IncomingMessage): Promise<void> {
  try {
    for await (const _ of req) {
      // discard
    }
  } catch {
    // the client may already be gone
  }
}
