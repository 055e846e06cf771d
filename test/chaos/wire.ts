import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ManualClock } from 'vault-kubernetes-client/testing';

/** One HTTP attempt that left the client: when, for what, and how it ended. */
export interface Attempt {
  at: number;
  method: string;
  path: string;
  /** The managed secret it served, when it can be told (`sys/leases/*` by lease id, PKI by common name). */
  secret: string | undefined;
  status: number | 'network';
}

type UndiciRequest = { origin?: unknown; method?: string; path?: string; body?: unknown };

interface InFlight {
  attempt: Attempt;
  path: string;
  body: Record<string, unknown> | undefined;
  token: string | undefined;
  chunks: Buffer[];
}

/**
 * Watches the client's traffic to `address` off the wire (undici's diagnostics channels), so the
 * client runs exactly as in production, on its own connection pool: every attempt it makes (for
 * request-rate bounds during outages), the tokens it logs in with (token → accessor), and what
 * Vault told it about revocations, which is what the judge may hold it to.
 */
export class Wire {
  readonly attempts: Attempt[] = [];
  /** Accessor of every token the client logged in for, by token. Kept here, never printed. */
  readonly #accessors = new Map<string, string>();
  /** Leases the client was told are gone (a renewal answered 400), with when. */
  readonly leasesTold = new Map<string, number>();
  /** Accessors the client was told are dead (403 invalid token), with when. */
  readonly tokensTold = new Map<string, number>();
  /** Bumped by every answer, so the judge knows when Vault's state may have moved. */
  generation = 0;
  readonly #inFlight = new WeakMap<object, InFlight>();
  readonly #origin: string;
  readonly #stop: () => void;

  constructor(
    private readonly clock: ManualClock,
    address: string,
    private readonly secretOf: (
      path: string,
      body: Record<string, unknown> | undefined,
    ) => string | undefined,
  ) {
    this.#origin = new URL(address).origin;
    const subscriptions: [string, (message: never) => void][] = [
      ['undici:request:create', this.#onCreate],
      ['undici:client:sendHeaders', this.#onSendHeaders],
      ['undici:request:headers', this.#onHeaders],
      ['undici:request:bodyChunkReceived', this.#onChunk],
      ['undici:request:trailers', this.#onEnd],
      ['undici:request:error', this.#onError],
    ];
    for (const [name, listener] of subscriptions) subscribe(name, listener as (message: unknown) => void);
    this.#stop = () => {
      for (const [name, listener] of subscriptions) unsubscribe(name, listener as (message: unknown) => void);
    };
  }

  accessors(): string[] {
    return [...this.#accessors.values()];
  }

  /** Stops watching. */
  close(): void {
    this.#stop();
  }

  readonly #onCreate = ({ request }: { request: UndiciRequest }) => {
    if (String(request.origin) !== this.#origin) return;
    const path = decodeURIComponent((request.path ?? '').split('?')[0]!.replace(/^\/v1\//, ''));
    const needsBody = path.startsWith('sys/leases/') || path.startsWith('pki/issue/');
    const body = needsBody ? parseJson(bodyText(request.body)) : undefined;
    const attempt: Attempt = {
      at: this.clock.now(),
      method: String(request.method),
      path,
      secret: this.secretOf(path, body),
      status: 'network',
    };
    this.attempts.push(attempt);
    this.#inFlight.set(request, { attempt, path, body, token: undefined, chunks: [] });
  };

  readonly #onSendHeaders = ({ request, headers }: { request: UndiciRequest; headers: string }) => {
    const flight = this.#inFlight.get(request);
    if (flight) flight.token = /^x-vault-token: *(.+?)\r?$/im.exec(headers)?.[1];
  };

  readonly #onHeaders = ({
    request,
    response,
  }: {
    request: UndiciRequest;
    response: { statusCode: number };
  }) => {
    const flight = this.#inFlight.get(request);
    if (!flight) return;
    this.generation += 1;
    const status = response.statusCode;
    flight.attempt.status = status;
    if (status === 400 && flight.path === 'sys/leases/renew' && typeof flight.body?.lease_id === 'string')
      this.leasesTold.set(flight.body.lease_id, this.clock.now());
  };

  readonly #onChunk = ({ request, chunk }: { request: UndiciRequest; chunk: Buffer }) => {
    const flight = this.#inFlight.get(request);
    // Only answers that teach the judge something are kept: logins and refusals.
    if (flight && (flight.path.endsWith('/login') || flight.attempt.status === 403))
      flight.chunks.push(chunk);
  };

  readonly #onEnd = ({ request }: { request: UndiciRequest }) => {
    const flight = this.#inFlight.get(request);
    if (!flight) return;
    this.#inFlight.delete(request);
    const answer = parseJson(Buffer.concat(flight.chunks).toString('utf8'));
    if (flight.path.endsWith('/login') && flight.attempt.status === 200) {
      const auth = answer?.auth as { client_token?: string; accessor?: string } | undefined;
      if (auth?.client_token && auth.accessor) this.#accessors.set(auth.client_token, auth.accessor);
    } else if (flight.attempt.status === 403 && flight.token) {
      const errors = answer?.errors;
      const accessor = this.#accessors.get(flight.token);
      if (accessor && Array.isArray(errors) && errors.some((e) => String(e).includes('invalid token')))
        this.tokensTold.set(accessor, this.clock.now());
    }
  };

  readonly #onError = ({ request }: { request: UndiciRequest }) => {
    if (!this.#inFlight.has(request)) return;
    this.#inFlight.delete(request);
    this.generation += 1;
  };
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return '';
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
