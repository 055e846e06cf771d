import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
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

/** What the mock answered one request, seen on its side of the proxy. */
interface Told {
  path: string;
  status: number;
  leaseId: string | undefined;
  token: string | undefined;
  invalidToken: boolean;
  /** The client has received this answer (matched to one of its own responses). */
  claimed: boolean;
}

/**
 * Watches the client's traffic without touching it, so the client runs exactly as in production
 * (its own connections): on the client's side (node:http's diagnostics channels) every attempt it
 * makes, for the request-rate bounds during outages; on the mock's side what Vault answered, so
 * that the judge knows what the client was told about revocations (a renewal answered 400, a
 * 403 `invalid token`), counted only once the client has received that answer.
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
  readonly #sent = new WeakMap<object, Attempt>();
  /** The mock's answers that carry news, oldest first, until the client receives them. */
  readonly #told: Told[] = [];
  readonly #clientPort: number;
  readonly #serverPort: number;
  readonly #stop: () => void;

  constructor(
    private readonly clock: ManualClock,
    /** Where the client sends (the proxy) and where Vault listens (the mock). */
    addresses: { client: string; server: string },
    private readonly secretOf: (
      path: string,
      body: Record<string, unknown> | undefined,
    ) => string | undefined,
  ) {
    this.#clientPort = Number(new URL(addresses.client).port);
    this.#serverPort = Number(new URL(addresses.server).port);
    const subscriptions: [string, (message: never) => void][] = [
      ['http.client.request.start', this.#onClientRequest],
      ['http.client.response.finish', this.#onClientResponse],
      ['http.server.request.start', this.#onServerRequest],
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

  readonly #onClientRequest = ({ request }: { request: ClientRequest }) => {
    if (request.getHeader('host') !== `127.0.0.1:${this.#clientPort}`) return;
    const path = vaultPath(request.path);
    const attempt: Attempt = {
      at: this.clock.now(),
      method: request.method,
      path,
      secret: this.secretOf(path, undefined),
      status: 'network',
    };
    this.attempts.push(attempt);
    this.#sent.set(request, attempt);
    // The body names the secret for sys/leases/* and pki/issue/*: written before this event fires.
    const body = writtenBodies.get(request);
    if (body) attempt.secret = this.secretOf(path, parseJson(body)) ?? attempt.secret;
    request.once('error', () => {
      this.generation += 1;
    });
  };

  readonly #onClientResponse = ({
    request,
    response,
  }: {
    request: ClientRequest;
    response: IncomingMessage;
  }) => {
    const attempt = this.#sent.get(request);
    if (!attempt) return;
    this.generation += 1;
    attempt.status = response.statusCode ?? 'network';
    // The client received this answer: what the mock told it in that answer now counts.
    const told = this.#told.find((t) => !t.claimed && t.path === attempt.path && t.status === attempt.status);
    if (!told) return;
    told.claimed = true;
    const now = this.clock.now();
    if (told.status === 400 && told.path === 'sys/leases/renew' && told.leaseId)
      this.leasesTold.set(told.leaseId, now);
    if (told.invalidToken && told.token) {
      const accessor = this.#accessors.get(told.token);
      if (accessor) this.tokensTold.set(accessor, now);
    }
    this.#told.splice(this.#told.indexOf(told), 1);
  };

  readonly #onServerRequest = ({
    request,
    response,
    server,
  }: {
    request: IncomingMessage;
    response: ServerResponse;
    server: { address(): unknown };
  }) => {
    if ((server.address() as { port?: number } | null)?.port !== this.#serverPort) return;
    const path = vaultPath(request.url ?? '');
    const token = request.headers['x-vault-token'];
    const isLogin = path.endsWith('/login');
    const isRenew = path === 'sys/leases/renew';
    let requestBody = '';
    if (isRenew) request.on('data', (chunk: Buffer) => (requestBody += chunk.toString('utf8')));
    const end = response.end;
    const wire = this;
    response.end = function (this: ServerResponse, ...args: unknown[]) {
      const body = textOf(args[0]);
      wire.#heard(
        path,
        response.statusCode,
        body,
        requestBody,
        typeof token === 'string' ? token : undefined,
        isLogin,
      );
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];
  };

  #heard(
    path: string,
    status: number,
    body: string,
    requestBody: string,
    token: string | undefined,
    isLogin: boolean,
  ): void {
    const answer = parseJson(body);
    if (isLogin && status === 200) {
      const auth = answer?.auth as { client_token?: string; accessor?: string } | undefined;
      if (auth?.client_token && auth.accessor) this.#accessors.set(auth.client_token, auth.accessor);
      return;
    }
    const invalidToken =
      status === 403 &&
      Array.isArray(answer?.errors) &&
      (answer.errors as unknown[]).some((e) => String(e).includes('invalid token'));
    if (!(status === 400 && path === 'sys/leases/renew') && !invalidToken) return;
    const leaseId = parseJson(requestBody)?.lease_id;
    this.#told.push({
      path,
      status,
      leaseId: typeof leaseId === 'string' ? leaseId : undefined,
      token,
      invalidToken,
      claimed: false,
    });
  }
}

function vaultPath(url: string): string {
  return decodeURIComponent(url.split('?')[0]!.replace(/^\/v1\//, ''));
}

/**
 * What each request wrote as its body. node:http publishes a request's start once it has a socket,
 * after the body was written and flushed; so `end` is observed on the prototype, for the test's
 * process only, changing nothing it does.
 */
const writtenBodies = new WeakMap<ClientRequest, string>();
const originalEnd = ClientRequest.prototype.end;
ClientRequest.prototype.end = function (this: ClientRequest, ...args: unknown[]) {
  const text = textOf(args[0]);
  if (text) writtenBodies.set(this, text);
  return (originalEnd as (...a: unknown[]) => ClientRequest).apply(this, args);
} as ClientRequest['end'];

/** A body as text, whatever form it is written in (string, Buffer, Uint8Array). */
function textOf(chunk: unknown): string {
  if (typeof chunk === 'string') return chunk;
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return '';
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
