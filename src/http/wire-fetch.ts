import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { declaredLength, readNodeBody, readWebBody } from './read-body';
import type { TlsConnectOptions } from './tls';

/**
 * The fetch functions ky is given. ky builds the call (URL from the client's address, method)
 * and hands it to a fetch; what Vault needs travels beside ky's Request in `init[WIRE]` (ky passes
 * options it does not know through to fetch), so nothing has to be read back out of the Request:
 *
 * - `agentFetch`: the client's own keep-alive agent (one per client, for its one origin, carrying
 *   the TLS options) through Node's own http/https: no WHATWG Request or Response, no
 *   decompression, no redirects; the body capped while it streams, and the connection destroyed
 *   when it is cut. Node's core rather than undici: it costs nothing to load, and on Node 20
 *   undici's WebAssembly parser keeps a process alive for a few hundred ms after its last request
 *   (V8 finishing its optimising compile before exit), which every short-lived job would pay.
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

/**
 * The client's agent and request function: keep-alive (idle sockets do not hold the process), the
 * TLS settings in the agent. node:https (and with it node:tls) loads only for an https address.
 */
export async function createAgent(origin: URL, tls: TlsConnectOptions | undefined): Promise<WireAgent> {
  if (origin.protocol !== 'https:')
    return { agent: new HttpAgent({ keepAlive: true, scheduling: 'lifo' }), send: httpRequest };
  const https = await import('node:https');
  return { agent: new https.Agent({ keepAlive: true, scheduling: 'lifo', ...tls }), send: https.request };
}

export interface WireAgent {
  agent: HttpAgent;
  send: typeof httpRequest;
}

/**
 * An error while the body streamed: the connection broke mid-answer (or the cap was passed, which
 * is already typed). Marked so that the message says "in the middle of its answer".
 */
function answerCut(error: unknown): unknown {
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_RESPONSE_TOO_LARGE') return error;
  if ((error as { name?: unknown } | undefined)?.name === 'AbortError') return error;
  return Object.assign(new Error('the connection broke in the middle of the answer', { cause: error }), {
    code: 'ERR_ANSWER_CUT',
  });
}

export function agentFetch({ agent, send }: WireAgent, origin: URL): typeof fetch {
  const secure = origin.protocol === 'https:';
  const host = origin.hostname.replace(/^\[|\]$/g, '');
  const port = origin.port || (secure ? 443 : 80);
  return (_input, init) =>
    new Promise<Response>((resolve, reject) => {
      const wire = wireOf(init);
      const req = send({
        agent,
        host,
        port,
        path: wire.target,
        method: wire.method,
        headers: wire.headers,
        signal: wire.signal,
      });
      req.once('error', reject);
      req.once('response', (res: IncomingMessage) => {
        const headers = res.headers;
        readNodeBody(res, wire.maxBytes, declaredLength(headers['content-length']), wire.call).then(
          (text) => {
            wire.answer = {
              status: res.statusCode ?? 0,
              header: (name) => {
                const value = headers[name];
                return Array.isArray(value) ? value[0] : value;
              },
              text,
            };
            resolve(placeholderResponse());
          },
          (error: unknown) => reject(answerCut(error)),
        );
      });
      req.end(wire.body);
    });
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
