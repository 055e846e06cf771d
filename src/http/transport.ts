import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { KyInstance } from 'ky';
import {
  ClientClosedError,
  InvalidRequestError,
  type ResponseErrorDetails,
  ResponseShapeError,
  type VaultClientError,
  VaultConfigError,
  VaultDeadlineError,
  VaultResponseError,
  VaultTimeoutError,
} from '../errors';
import type { Redactor } from '../internal/redact';
import { trackIo } from '../internal/tracking-clock';
import type { ResolvedOptions } from '../options';
import type { Clock } from '../types/clock';
import type { Logger } from '../types/logger';
import type { CallOptions } from '../types/requests';
import { initialSkew, observeSkew, type SkewState, skewEstimate } from './clock-skew';
import { type Deadline, deadlineFrom, monotonicView } from './deadline';
import { nextRequestId, requestEnd, requestStart } from './diagnostics';
import { classifyNetworkError, isPlainHttpToTlsAnswer } from './network-errors';
import { DEFAULT_MAX_RESPONSE_BYTES } from './read-body';
import { checkCallOptions, checkHeaderValue } from './request-check';
import { type AttemptOutcome, type CallKind, decideRetry, parseRetryAfter } from './retry-policy';
import { secretsInAnswer, secretsInRequest } from './secret-values';
import { tlsConnectOptions } from './tls';
import { describeForeignBody, responseError, splitMultierror, vaultErrors } from './vault-errors';
import { encodeVaultPath } from './vault-path';
import {
  agentFetch,
  appFetch,
  createAgent,
  WIRE,
  type WireAgent,
  type WireAnswer,
  type WireRequest,
} from './wire-fetch';

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
  /**
   * The whole call's deadline (`timeouts.totalMs`), made once at call entry with `deadlineFrom`
   * and shared by everything the call does (a re-login included); a fresh one when absent.
   */
  deadline?: Deadline;
  /**
   * Work nobody awaits (renewals, polls): its retry waits do not keep the process alive. By
   * default a caller is waiting, and the waits hold the process open until the call settles.
   */
  background?: boolean;
}

export interface TransportResponse {
  status: number;
  /** Parsed JSON, or undefined for an empty body (204). */
  body: unknown;
}

type Attempt =
  | { ok: true; response: TransportResponse; outcome: AttemptOutcome }
  | { ok: false; error: VaultClientError; outcome: AttemptOutcome; timedOut?: boolean }
  /** The caller's signal or the client's close ended the attempt: no retry, the reason is thrown. */
  | { ok: false; aborted: true; reason: unknown; outcome: AttemptOutcome };

/** Everything about one call that does not change between its attempts. */
interface Prepared {
  req: TransportRequest;
  call: string;
  target: string;
  input: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** Strings the request wrote: its own error may quote them (Vault's "error converting input"). */
  written: string[];
  timeoutMs: number;
  requestId: number;
  namespace: string | undefined;
}

type Setup = { http: KyInstance; wire: WireAgent | undefined };

/**
 * The only module that speaks HTTP: Vault's headers, TLS, one deadline per call across its
 * attempts, a timeout per attempt, retries with backoff on the injected clock, a cap on every
 * answer's size, Vault's error bodies turned into typed errors, and what every answer teaches the
 * redactor. ky builds each call; Node's http/https, through one keep-alive agent per client, carries it.
 */
export class Transport {
  readonly #options: ResolvedOptions;
  readonly #logger: Logger;
  readonly #redactor: Redactor;
  readonly #closed: AbortSignal;
  readonly #clock: Clock;
  readonly #clockView: () => number;
  readonly #url: URL;
  readonly #origin: string;
  /** The address's own path (a prefix some proxies use) and Vault's `/v1/`. */
  readonly #base: string;
  readonly #maxBytes: number;
  #setup: Promise<Setup> | undefined;
  #wire: WireAgent | undefined;
  /** Names from the configuration (role, mount, namespace): what a request writes that is not a secret. */
  readonly #publicNames: Set<string>;
  #skew: SkewState = initialSkew;
  #warnedPlainHttp = false;

  constructor(options: ResolvedOptions, redactor: Redactor, closed: AbortSignal) {
    this.#options = options;
    this.#logger = options.logger;
    this.#redactor = redactor;
    this.#closed = closed;
    this.#clock = options.clock;
    this.#clockView = monotonicView(options.clock);
    const url = parseAddress(options.address);
    this.#url = url;
    this.#origin = url.origin;
    this.#base = `${url.pathname.replace(/\/+$/, '')}/v1/`;
    this.#maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#publicNames = publicNames(options);
    if (options.fetch && hasTlsSettings(options)) {
      throw new VaultConfigError(
        'the `fetch` option cannot be combined with TLS options: a fetch you pass makes its own connections, with its own TLS settings. Drop `fetch` (the diagnostics channels vault-kubernetes-client:request:start/end serve instrumentation), or configure TLS inside your fetch and leave `tls` unset',
      );
    }
    // Every call in flight listens on the client's close signal: many at once is the design, not a leak.
    setMaxListeners(0, closed);
  }

  /**
   * How far Vault's clock is ahead of this one's, in ms (negative: behind), estimated from the
   * `Date` header of its answers; 0 before the first. For expiries Vault states as wall-clock times.
   */
  skewMs(): number {
    return skewEstimate(this.#skew);
  }

  async send(req: TransportRequest): Promise<TransportResponse> {
    const prepared = this.#prepare(req);
    const deadline = req.deadline ?? deadlineFrom(this.#options.timeouts.totalMs, this.#clock);
    if (this.#closed.aborted) throw new ClientClosedError();
    req.call?.signal?.throwIfAborted();
    const { http } = await this.#ready();
    this.#warnIfPlainHttp(req.token);
    let last: VaultClientError | undefined;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline.remainingMs();
      if (remaining <= 0) throw this.#deadlineError(prepared, deadline, last);
      const attemptMs = Math.min(prepared.timeoutMs, Math.max(1, Math.floor(remaining)));
      const result = await this.#attempt(http, prepared, attempt, attemptMs, deadline);
      if (result.ok) return result.response;
      if ('aborted' in result) throw result.reason;
      last =
        result.timedOut && attemptMs < prepared.timeoutMs
          ? this.#deadlineError(prepared, deadline, result.error)
          : result.error;
      const retry =
        req.call?.maxRetries === undefined
          ? this.#options.retry
          : { ...this.#options.retry, maxRetries: req.call.maxRetries };
      const decision = decideRetry(result.outcome, req.kind, attempt, retry);
      if (!decision.retry || last instanceof VaultDeadlineError) throw last;
      // A wait that would end past the deadline is not worth starting: the last error says why.
      if (decision.delayMs >= deadline.remainingMs()) throw last;
      this.#logger.debug(
        { method: req.method, path: req.path, attempt, delayMs: decision.delayMs },
        'retrying vault request',
      );
      await this.#wait(decision.delayMs, req);
    }
  }

  /** Per-call work done once: checks, the URL, headers, the JSON body. Throws before any I/O. */
  #prepare(req: TransportRequest): Prepared {
    const call = req.call;
    if (call) checkCallOptions(call);
    const path = encodeVaultPath(req.path);
    const namespace = call?.namespace ?? this.#options.namespace;
    const headers: Record<string, string> = { 'x-vault-request': 'true' };
    if (req.token !== undefined) {
      checkHeaderValue(req.token, 'the Vault token');
      headers['x-vault-token'] = req.token;
    }
    if (namespace) {
      checkHeaderValue(namespace, 'namespace');
      headers['x-vault-namespace'] = namespace;
    }
    let body: string | undefined;
    let written: string[] = [];
    if (req.body !== undefined) {
      try {
        body = JSON.stringify(req.body);
      } catch (error) {
        throw new InvalidRequestError(
          `the body of ${req.method} ${req.path} cannot be sent as JSON (${error instanceof Error ? error.message.split('\n')[0] : 'not serialisable'})`,
        );
      }
      headers['content-type'] = req.contentType ?? 'application/json';
      written = secretsInRequest(req.body).filter((value) => !this.#publicNames.has(value));
      this.#redactor.addValues(written);
    }
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {}))
      if (value !== undefined) query.set(key, String(value));
    if (req.list) query.set('list', 'true');
    const search = query.size > 0 ? `?${query}` : '';
    return {
      req,
      call: `${req.list ? 'LIST' : req.method} ${req.path}`,
      target: `${this.#base}${path}${search}`,
      input: `${path}${search}`,
      headers,
      body,
      written,
      timeoutMs: call?.timeoutMs ?? this.#options.timeouts.requestMs,
      requestId: nextRequestId(),
      namespace: namespace || undefined,
    };
  }

  async #attempt(
    http: KyInstance,
    p: Prepared,
    attempt: number,
    attemptMs: number,
    deadline: Deadline,
  ): Promise<Attempt> {
    const { req } = p;
    const controller = new AbortController();
    let why: 'closed' | 'caller' | 'timeout' | undefined;
    const onClose = () => {
      why ??= 'closed';
      controller.abort();
    };
    const callerSignal = req.call?.signal;
    const onCaller = () => {
      why ??= 'caller';
      controller.abort();
    };
    this.#closed.addEventListener('abort', onClose);
    callerSignal?.addEventListener('abort', onCaller);
    // Real time: it bounds I/O. Unref'd: the socket in flight is what keeps the process up.
    const timer = setTimeout(() => {
      why ??= 'timeout';
      controller.abort();
    }, attemptMs);
    timer.unref();

    const wire: WireRequest = {
      method: req.method,
      target: p.target,
      headers: p.headers,
      body: p.body,
      signal: controller.signal,
      maxBytes: this.#maxBytes,
      call: p.call,
    };
    if (requestStart.hasSubscribers) {
      requestStart.publish({
        requestId: p.requestId,
        method: req.list ? 'LIST' : req.method,
        path: req.path,
        attempt,
        ...(p.namespace ? { namespace: p.namespace } : {}),
      });
    }
    const realStart = performance.now();
    const clockStart = this.#clockView();
    const sentAt = this.#clock.now();
    let result: Attempt;
    try {
      const pending = http(p.input, this.#kyOptions(p, wire, controller.signal));
      await trackIo(this.#clock, pending);
      result = this.#interpret(p, wire.answer!, sentAt);
    } catch (cause) {
      result = this.#failed(cause, why, p, attemptMs);
    } finally {
      clearTimeout(timer);
      this.#closed.removeEventListener('abort', onClose);
      callerSignal?.removeEventListener('abort', onCaller);
    }
    const durationMs = performance.now() - realStart;
    deadline.spent(durationMs, this.#clockView() - clockStart);
    this.#logger.debug(
      {
        method: req.method,
        path: req.path,
        attempt,
        status: result.outcome.status ?? null,
        durationMs: Math.round(durationMs),
      },
      'vault request',
    );
    if (requestEnd.hasSubscribers) {
      requestEnd.publish({
        requestId: p.requestId,
        method: req.list ? 'LIST' : req.method,
        path: req.path,
        attempt,
        ...(result.outcome.status !== undefined ? { status: result.outcome.status } : {}),
        outcome: result.ok ? 'ok' : 'error',
        ...(!result.ok && errorCodeOf(result) ? { errorCode: errorCodeOf(result) } : {}),
        durationMs,
      });
    }
    return result;
  }

  #kyOptions(p: Prepared, wire: WireRequest, signal: AbortSignal): Record<string, unknown> {
    if (!this.#options.fetch) return { method: p.req.method, [WIRE]: wire };
    // A fetch the app passed in gets a complete Request, as any fetch would.
    return {
      method: p.req.method,
      headers: p.headers,
      signal,
      // A redirect would carry the token to wherever it points: never follow one.
      redirect: 'manual',
      ...(p.body !== undefined ? { body: p.body } : {}),
      [WIRE]: wire,
    };
  }

  /** An answer came: success, a redirect, a body that is not JSON, or Vault's error. */
  #interpret(p: Prepared, answer: WireAnswer, sentAt: number): Attempt {
    const { req } = p;
    const { status, text } = answer;
    this.#skew = observeSkew(this.#skew, answer.header('date'), sentAt, this.#clock.now());
    const retryAfterMs = parseRetryAfter(answer.header('retry-after') ?? null, this.#clock.now());
    const outcome: AttemptOutcome = { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status >= 300 && status < 400) return { ok: false, error: this.#redirected(p, answer), outcome };
    const parsed = parseJson(text);
    if (status < 300) {
      if (parsed.ok) {
        this.#redactor.addValues(secretsInAnswer(req.path, req.list === true, parsed.value));
        return { ok: true, response: { status, body: parsed.value }, outcome };
      }
      return {
        ok: false,
        error: new ResponseShapeError(
          `Vault answered ${status} to ${p.call} with ${describeForeignBody(text, answer.header('content-type'))}, not JSON: an answer cut short, or a proxy answering instead of Vault`,
          { path: req.path, status, issues: ['body is not JSON'] },
        ),
        // Treated like a bad gateway: a read may go again.
        outcome: { ...outcome, status: 502 },
      };
    }
    const errors = parsed.ok ? vaultErrors(parsed.value) : undefined;
    const scrub = (e: string) => this.#redactor.text(e, p.written);
    const reasons = splitMultierror(errors ?? []).map(scrub);
    outcome.sealed = status === 503 && reasons.some((r) => r.includes('Vault is sealed'));
    const details: ResponseErrorDetails = {
      status,
      method: req.list ? 'LIST' : req.method,
      path: req.path,
      errors: (errors ?? []).map(scrub),
      reasons,
      ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}),
    };
    if (errors === undefined && isPlainHttpToTlsAnswer(status, text)) {
      return {
        ok: false,
        error: new VaultResponseError(
          `Vault at ${this.#options.address} answered that it speaks HTTPS on that port: check http vs https, the address must start with https://`,
          details,
        ),
        outcome,
      };
    }
    if (errors === undefined) details.foreignBody = describeForeignBody(text, answer.header('content-type'));
    return { ok: false, error: responseError(details), outcome };
  }

  /** No answer: aborted by the caller or the client's close, timed out, or the connection failed. */
  #failed(cause: unknown, why: string | undefined, p: Prepared, attemptMs: number): Attempt {
    if (why === 'closed' || why === 'caller' || (this.#closed.aborted && why === undefined)) {
      const reason = why === 'caller' ? p.req.call?.signal?.reason : new ClientClosedError();
      return { ok: false, aborted: true, reason, outcome: {} };
    }
    if (why === 'timeout') {
      return {
        ok: false,
        error: new VaultTimeoutError(
          `Vault did not answer ${p.call} within ${attemptMs} ms (${attemptMs < p.timeoutMs ? 'what was left of timeouts.totalMs' : p.req.call?.timeoutMs !== undefined ? 'timeoutMs' : 'timeouts.requestMs'})`,
        ),
        outcome: { failure: 'timeout' },
        timedOut: true,
      };
    }
    if ((cause as { code?: unknown } | undefined)?.code === 'ERR_RESPONSE_TOO_LARGE') {
      return { ok: false, error: cause as VaultClientError, outcome: { failure: 'too-large' } };
    }
    const hasClientCert = Boolean(this.#options.tls.clientCert ?? this.#options.tls.clientCertFile);
    const { error, failure } = classifyNetworkError(cause, {
      address: this.#options.address,
      hasClientCert,
      customFetch: this.#options.fetch !== undefined,
    });
    return { ok: false, error, outcome: { failure } };
  }

  #deadlineError(p: Prepared, deadline: Deadline, last: VaultClientError | undefined): VaultDeadlineError {
    const after = last ? `; the last attempt failed: ${last.message}` : '';
    return new VaultDeadlineError(
      `${p.call} did not finish within its deadline of ${deadline.totalMs} ms (timeouts.totalMs, counting retries and any re-login)${after}`,
      deadline.totalMs,
      last ? { cause: last } : undefined,
    );
  }

  /** A 3xx: a standby with request forwarding off, or a proxy. Following it would send the token there. */
  #redirected(p: Prepared, answer: WireAnswer): VaultResponseError {
    const where = redirectTarget(answer.header('location'), `${this.#origin}${p.target}`);
    return new VaultResponseError(
      `Vault answered ${p.call} with a redirect (${answer.status}) to ${where}; this client does not follow redirects, so the token never goes anywhere but the address: point the address at the active node, or at a load balancer that forwards to it`,
      { status: answer.status, method: p.req.method, path: p.req.path, errors: [], reasons: [] },
    );
  }

  /**
   * The retry wait, on the client's clock (a test moves it). Held open (ref'd) while a caller
   * awaits the call, so a process whose only work is that call does not exit mid-retry.
   */
  #wait(ms: number, req: TransportRequest): Promise<void> {
    const callerSignal = req.call?.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#clock.clearTimeout(handle);
        cleanup();
        reject(this.#closed.aborted ? new ClientClosedError() : callerSignal?.reason);
      };
      const cleanup = () => {
        this.#closed.removeEventListener('abort', onAbort);
        callerSignal?.removeEventListener('abort', onAbort);
      };
      const handle = this.#clock.setTimeout(() => {
        cleanup();
        resolve();
      }, ms);
      const timer = handle as { ref?: () => void; unref?: () => void } | undefined;
      if (req.background) timer?.unref?.();
      else timer?.ref?.();
      this.#closed.addEventListener('abort', onAbort, { once: true });
      callerSignal?.addEventListener('abort', onAbort, { once: true });
      if (this.#closed.aborted || callerSignal?.aborted) onAbort();
    });
  }

  /** ky loads at the first request, not at import; a failed set-up (an unreadable CA file) is tried again next call. */
  #ready(): Promise<Setup> {
    if (this.#setup) return this.#setup;
    const setup = this.#createSetup();
    const tracked = trackIo(this.#clock, setup);
    this.#setup = tracked;
    tracked.catch(() => {
      if (this.#setup === tracked) this.#setup = undefined;
    });
    return tracked;
  }

  async #createSetup(): Promise<Setup> {
    const appFetchImpl = this.#options.fetch;
    const [{ default: ky }, connect] = await Promise.all([
      import('ky'),
      appFetchImpl ? undefined : tlsConnectOptions(this.#options.tls),
    ]);
    if (this.#closed.aborted) throw new ClientClosedError();
    const wire = appFetchImpl ? undefined : await createAgent(this.#url, connect);
    if (this.#closed.aborted) {
      wire?.agent.destroy();
      throw new ClientClosedError();
    }
    this.#wire = wire;
    if (this.#options.tls.skipVerify) {
      this.#logger.warn(
        { address: this.#options.address },
        'TLS certificate verification is OFF (tls.skipVerify / VAULT_SKIP_VERIFY): anyone on the network path can read the Vault token; never use this in production',
      );
    }
    const http = ky.create({
      prefixUrl: `${this.#origin}${this.#base}`,
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      fetch: wire ? agentFetch(wire, this.#url) : appFetch(appFetchImpl!),
    });
    return { http, wire };
  }

  /** Ends the client's connections (calls in flight were aborted first): no socket outlives the client. */
  async close(): Promise<void> {
    const wire = this.#wire;
    this.#wire = undefined;
    wire?.agent.destroy();
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
}

function errorCodeOf(result: Exclude<Attempt, { ok: true }>): VaultClientError['code'] | undefined {
  if (!('aborted' in result)) return result.error.code;
  return result.reason instanceof ClientClosedError ? result.reason.code : undefined;
}

/**
 * The address, refused when it carries user info (`https://user:pass@vault:8200`): Vault does not
 * read it, fetch refuses such URLs anyway, and the address is printed in messages and logs, which
 * would print the password with it. Refusing says so once, at construction; stripping would hide
 * a mistake. The error does not repeat the address.
 */
function parseAddress(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new VaultConfigError("the Vault address is not a URL; write it as 'https://vault.example:8200'");
  }
  if (url.username !== '' || url.password !== '') {
    throw new VaultConfigError(
      "the Vault address holds user info ('user:password@' before the host), which Vault does not use and which would be printed wherever the address is; remove it (log in through `auth`)",
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new VaultConfigError(
      "the Vault address has a query or fragment; write only scheme, host and port, e.g. 'https://vault.example:8200'",
    );
  }
  return url;
}

/** The configuration's names: a login writes its role, and Vault's refusal quotes it, which must stay readable. */
function publicNames(options: ResolvedOptions): Set<string> {
  const names = new Set<string>();
  const auth = options.auth as { role?: unknown; mount?: unknown };
  for (const value of [auth.role, auth.mount, options.namespace])
    if (typeof value === 'string' && value !== '') names.add(value);
  return names;
}

function hasTlsSettings(options: ResolvedOptions): boolean {
  const t = options.tls;
  return (
    Boolean(t.caCert ?? t.caCertFile ?? t.caPath ?? t.clientCert ?? t.clientCertFile ?? t.serverName) ||
    t.skipVerify
  );
}

/** Where a redirect points, as much as may be shown: the host, never its path or query (a token may be in them). */
function redirectTarget(location: string | undefined, base: string): string {
  if (!location) return 'nowhere (no Location header)';
  try {
    const target = new URL(location, base);
    const same = target.origin === new URL(base).origin;
    return same ? 'another path on the same host' : `another host (${target.host})`;
  } catch {
    return 'an address that is not a URL';
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.length === 0 || text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
