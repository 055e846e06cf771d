import type { Dispatcher } from 'undici';
import { declaredLength, readNodeBody, readWebBody } from './read-body';

/**
 * The fetch functions ky is given. ky builds the call (URL from the client's address, method)
 * and hands it to a fetch; what Vault needs travels beside ky's Request in `init[WIRE]` (ky passes
 * options it does not know through to fetch), so nothing has to be read back out of the Request:
 *
 * - `poolFetch`: the client's own undici Pool (one per client, for its one origin, carrying the
 *   TLS options) through undici's request API: no WHATWG Request or Response, no decompression,
 *   no redirects; the body capped while it streams. The same undici for TLS and for I/O.
 * - `appFetch`: a `fetch` the app passed in (instrumentation), called with ky's Request as any
 *   fetch would be; its Response body is capped the same way.
 *
 * Either way the answer is left in `init[WIRE].answer` and ky gets a placeholder Response: ky
 * only looks at it to decide on HTTP errors and retries, both of which the transport does itself.
 */
export const WIRE = 'vaultWire';

export interface WireRequest {
  method: string;
  /** The request target: path (with the address's own path prefix and `/v1/`) and query. */
  target: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
  maxBytes: number;
  /** "GET secret/data/x", for messages. */
  call: string;
  answer?: WireAnswer;
}

export interface WireAnswer {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

let placeholder: Response | undefined;
function placeholderResponse(): Response {
  placeholder ??= new Response(null, { status: 204 });
  return placeholder;
}

function wireOf(init: RequestInit | undefined): WireRequest {
  return (init as Record<string, unknown> | undefined)?.[WIRE] as WireRequest;
}

export function poolFetch(pool: Dispatcher): typeof fetch {
  return async (_input, init) => {
    const wire = wireOf(init);
    const res = await pool.request({
      path: wire.target,
      method: wire.method as Dispatcher.HttpMethod,
      headers: wire.headers,
      body: wire.body ?? null,
      signal: wire.signal,
    });
    const headers = res.headers;
    const text = await readNodeBody(
      res.body,
      wire.maxBytes,
      declaredLength(headers['content-length']),
      wire.call,
    );
    wire.answer = {
      status: res.statusCode,
      header: (name) => {
        const value = headers[name];
        return Array.isArray(value) ? value[0] : value;
      },
      text,
    };
    return placeholderResponse();
  };
}

export function appFetch(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const wire = wireOf(init);
    const res = await fetchImpl(input, {});
    const text = await readWebBody(
      res.body,
      wire.maxBytes,
      declaredLength(res.headers.get('content-length')),
      wire.call,
    );
    wire.answer = { status: res.status, header: (name) => res.headers.get(name) ?? undefined, text };
    return placeholderResponse();
  };
}
