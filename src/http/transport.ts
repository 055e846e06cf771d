import { setMaxListeners } from 'node:events';
import type { KyInstance } from 'ky';
import type { Agent } from 'undici';
import {
  ClientClosedError,
  ResponseShapeError,
  type VaultClientError,
  VaultResponseError,
  VaultTimeoutError,
} from '../errors';
import type { Redactor } from '../internal/redact';
import { sleep } from '../internal/sleep';
import { trackIo } from '../internal/tracking-clock';
import type { ResolvedOptions } from '../options';
import type { Logger } from '../types/logger';
import type { CallOptions } from '../types/requests';
import { type AttemptOutcome, type CallKind, decideRetry, parseRetryAfter } from './retry-policy';
import { classifyNetworkError, createDispatcher } from './tls';
import { excerpt, responseError, splitMultierror } from './vault-errors';
import { encodeVaultPath } from './vault-path';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface TransportRequest {
  method: Method;
  /** Vault API path without `/v1/`: `secret/data/myapp/config`. */
  path: string;
  /** Vault's LIST, sent as `GET ?list=true` so proxies that only know standard verbs pass it. */
  list?: boolean;
  body?: unknown;
  query?: Record<string, string | number | boolean>;
  /** The Vault token, absent for login. */
  token?: string;
  kind: CallKind;
  call?: CallOptions;
  contentType?: string;
}

export interface TransportResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204). */
  body: unknown;
}

/**
 * The only module that speaks HTTP (and imports ky): base URL and Vault's headers, TLS,
 * per-attempt timeout, overall deadline, retries with backoff on the injected clock, and
 * Vault's error bodies turned into typed errors.
 */
export class Transport {
  readonly #options: ResolvedOptions;
  readonly #logger: Logger;
  readonly #redactor: Redactor;
  readonly #closed: AbortSignal;
  #http: Promise<KyInstance> | undefined;
  #agent: Agent | undefined;
  #warnedPlainHttp = false;

  constructor(options: ResolvedOptions, redactor: Redactor, closed: AbortSignal) {
    this.#options = options;
    this.#logger = options.logger;
    this.#redactor = redactor;
    this.#closed = closed;
    // Every call in flight listens on the client's close signal: many at once is the design, not a leak.
    setMaxListeners(0, closed);
  }

  async send(req: TransportRequest): Promise<TransportResponse> {
    const path = encodeVaultPath(req.path);
    const { signal, release } = linkSignals(this.#closed, req.call?.signal);
    try {
      return await this.#send(req, path, signal);
    } finally {
      release();
    }
  }

  async #send(req: TransportRequest, path: string, signal: AbortSignal): Promise<TransportResponse> {
    const { clock } = this.#options;
    const deadline = clock.now() + this.#options.timeouts.totalMs;
    const http = await this.#client();
    this.#warnIfPlainHttp(req.token);
    for (let attempt = 0; ; attempt++) {
      this.#throwIfAborted(signal, req.call?.signal);
      const started = clock.now();
      const pending = this.#attempt(http, path, req, signal);
      const { error, outcome, response } = await trackIo(clock, pending);
      this.#logger.debug(
        {
          method: req.method,
          path: req.path,
          attempt,
          status: outcome.status ?? null,
          durationMs: clock.now() - started,
        },
        'vault request',
      );
      if (response) return response;
      const retry =
        req.call?.maxRetries === undefined
          ? this.#options.retry
          : { ...this.#options.retry, maxRetries: req.call.maxRetries };
      const decision = decideRetry(outcome, req.kind, attempt, retry);
      if (!decision.retry || clock.now() + decision.delayMs > deadline) throw error;
      this.#logger.debug(
        { method: req.method, path: req.path, attempt, delayMs: decision.delayMs },
        'retrying vault request',
      );
      try {
        await sleep(clock, decision.delayMs, signal);
      } catch {
        this.#throwIfAborted(signal, req.call?.signal);
      }
    }
  }

  async #attempt(
    http: KyInstance,
    path: string,
    req: TransportRequest,
    signal: AbortSignal,
  ): Promise<{ response?: TransportResponse; error: VaultClientError; outcome: AttemptOutcome }> {
    const namespace = req.call?.namespace ?? this.#options.namespace;
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (req.token) headers['X-Vault-Token'] = req.token;
    if (namespace) headers['X-Vault-Namespace'] = namespace;
    if (req.contentType) headers['Content-Type'] = req.contentType;
    const searchParams: Record<string, string | number | boolean> = { ...req.query };
    if (req.list) searchParams.list = 'true';
    const timeoutMs = req.call?.timeoutMs ?? this.#options.timeouts.requestMs;
    const started = performance.now();
    const timedOut = () =>
      new VaultTimeoutError(
        `Vault did not answer ${req.method} ${req.path} within ${timeoutMs} ms (timeouts.requestMs)`,
      );
    let res: Response;
    try {
      res = await http(path, {
        method: req.method,
        headers,
        searchParams,
        signal,
        timeout: timeoutMs,
        // A redirect would carry the token to wherever it points: never follow one.
        redirect: 'manual',
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      });
    } catch (cause) {
      this.#throwIfAborted(signal, req.call?.signal);
      if ((cause as Error | undefined)?.name === 'TimeoutError')
        return { error: timedOut(), outcome: { failure: 'timeout' } };
      const hasClientCert = Boolean(this.#options.tls.clientCert ?? this.#options.tls.clientCertFile);
      const { error, failure } = classifyNetworkError(cause, {
        address: this.#options.address,
        hasClientCert,
      });
      return { error, outcome: { failure } };
    }
    let text: string;
    try {
      // ky's timeout ends when the headers arrive; a body that stalls (or, on Node 20, a body
      // labelled gzip that is not) must not hang the call, so the attempt's budget covers it too.
      const body = await withDeadline(res.text(), timeoutMs - (performance.now() - started));
      if (body === undefined) {
        void res.body?.cancel().catch(() => undefined);
        return { error: timedOut(), outcome: { failure: 'timeout' } };
      }
      text = body;
    } catch (cause) {
      this.#throwIfAborted(signal, req.call?.signal);
      const { error } = classifyNetworkError(cause, { address: this.#options.address, hasClientCert: true });
      return { error, outcome: { failure: 'network' } };
    }
    const outcome: AttemptOutcome = {
      status: res.status,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
    };
    if (res.status >= 300 && res.status < 400) return { error: redirected(res, req), outcome };
    const parsed = parseJson(text);
    if (res.status < 400) {
      if (parsed.ok)
        return { response: { status: res.status, body: parsed.value }, error: undefined as never, outcome };
      return {
        error: new ResponseShapeError(
          `Vault answered ${res.status} to ${req.method} ${req.path} with a body that is not JSON ("${this.#redactor.text(excerpt(text))}"); a proxy may be answering instead of Vault`,
          { path: req.path, status: res.status, issues: ['body is not JSON'] },
        ),
        outcome: { ...outcome, status: 502 },
      };
    }
    const errors = parsed.ok ? vaultErrors(parsed.value) : undefined;
    const reasons = splitMultierror(errors ?? []).map((r) => this.#redactor.text(r));
    outcome.sealed = res.status === 503 && reasons.some((r) => r.includes('Vault is sealed'));
    const error = responseError({
      status: res.status,
      method: req.list ? 'LIST' : req.method,
      path: req.path,
      errors: (errors ?? []).map((e) => this.#redactor.text(e)),
      reasons,
      ...(errors === undefined ? { bodyExcerpt: this.#redactor.text(excerpt(text)) } : {}),
      ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
    });
    return { error, outcome };
  }

  #client(): Promise<KyInstance> {
    const { clock } = this.#options;
    const dispatcher = this.#http ? undefined : createDispatcher(this.#options.tls);
    // ky and undici load at the first request, not at import: they are most of the import time.
    const setup = dispatcher && Promise.all([dispatcher, import('ky')]);
    this.#http ??= trackIo(clock, setup!).then(([agent, { default: ky }]) => {
      if (this.#closed.aborted) void agent.destroy().catch(() => undefined);
      else this.#agent = agent;
      // undici 7's Agent type differs from the undici-types bundled with @types/node 20.
      const dispatcher: unknown = agent;
      const baseFetch = this.#options.fetch ?? fetch;
      const withDispatcher: typeof fetch = (input, init) =>
        baseFetch(input, { ...init, dispatcher } as RequestInit);
      if (this.#options.tls.skipVerify) {
        this.#logger.warn(
          { address: this.#options.address },
          'TLS certificate verification is OFF (tls.skipVerify / VAULT_SKIP_VERIFY): anyone on the network path can read the Vault token; never use this in production',
        );
      }
      return ky.create({
        prefixUrl: `${this.#options.address}/v1/`,
        retry: 0,
        throwHttpErrors: false,
        fetch: withDispatcher,
      });
    });
    // A failed setup (unreadable CA file) is reported to every call, and tried again on the next.
    this.#http.catch(() => {
      this.#http = undefined;
    });
    return this.#http;
  }

  /** Ends the client's connections (calls in flight were aborted first): no socket outlives the client. */
  async close(): Promise<void> {
    const agent = this.#agent;
    this.#agent = undefined;
    await agent?.destroy().catch(() => undefined);
  }

  #warnIfPlainHttp(token: string | undefined): void {
    if (!token || this.#warnedPlainHttp) return;
    const url = new URL(this.#options.address);
    const loopback =
      ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
    if (url.protocol === 'http:' && !loopback) {
      this.#warnedPlainHttp = true;
      this.#logger.warn(
        { address: this.#options.address },
        'sending the Vault token over plain http:// to a host other than loopback: anyone on the network path can read it; use https://',
      );
    }
  }

  #throwIfAborted(signal: AbortSignal, callerSignal: AbortSignal | undefined): void {
    if (!signal.aborted) return;
    if (this.#closed.aborted) throw new ClientClosedError();
    throw callerSignal?.reason ?? signal.reason;
  }
}

/**
 * One signal that aborts with the client's close or the caller's signal, unlinked when the call
 * ends. (AbortSignal.any would leave a weak reference on the client's long-lived close signal
 * for every call.)
 */
function linkSignals(
  closed: AbortSignal,
  caller: AbortSignal | undefined,
): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const sources = caller ? [closed, caller] : [closed];
  const onAbort = function (this: AbortSignal) {
    controller.abort(this.reason);
  };
  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    source.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    release: () => {
      for (const source of sources) source.removeEventListener('abort', onAbort);
    },
  };
}

/** The value, or undefined when it did not come within `ms` (a real-time budget: it is about I/O). */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), undefined);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** A 3xx: a standby with request forwarding off, or a proxy. Following it would send the token there. */
function redirected(res: Response, req: TransportRequest): VaultResponseError {
  const location = res.headers.get('location') ?? 'nowhere';
  return new VaultResponseError(
    `Vault answered ${req.method} ${req.path} with a redirect (${res.status}) to ${location}; this client does not follow redirects, so the token never goes anywhere but the address: point the address at the active node, or at a load balancer that forwards to it`,
    { status: res.status, method: req.method, path: req.path, errors: [], reasons: [] },
  );
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function vaultErrors(body: unknown): string[] | undefined {
  if (body === undefined) return [];
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return errors.filter((e): e is string => typeof e === 'string');
  return [];
}
