/** Which requests a fault applies to: an exact path after `/v1/`, a prefix ending in `*`, or a RegExp. */
export type PathMatcher = string | RegExp;

export interface FaultScope {
  path?: PathMatcher;
  method?: string;
  /** How many matching requests the fault applies to; `Infinity` until cleared. Default 1. */
  times?: number;
}

export interface FailOptions extends FaultScope {
  status?: number;
  /** Vault error strings for the `{"errors":[...]}` body. */
  errors?: string[];
  /** Seconds, sent as the `Retry-After` header. */
  retryAfter?: number;
  headers?: Record<string, string>;
}

export type Fault =
  | { kind: 'fail'; status: number; errors: string[]; headers: Record<string, string> }
  | { kind: 'latency'; ms: number }
  | { kind: 'reset'; afterHeaders: boolean }
  | { kind: 'html'; status: number }
  | { kind: 'rate-limit' };

interface Rule {
  scope: Required<Pick<FaultScope, 'times'>> & FaultScope;
  fault: Fault;
}

/** Paths Vault's rate-limit quotas never apply to (quotas.go defaultExemptPaths, the ones the mock serves). */
const RATE_LIMIT_EXEMPT = ['sys/health', 'sys/seal-status', 'sys/unseal'];

/**
 * Faults a test arranges on purpose: the failures a client must survive between it and Vault,
 * from Vault's own error answers to proxies that speak HTML and connections that die mid-body.
 */
export class FaultInjector {
  readonly #rules: Rule[] = [];
  #rateLimit: { limit: number; windowMs: number; windowStart: number; used: number } | undefined;

  constructor(private readonly clock: { now(): number }) {}

  /** The next matching requests get this status and Vault error body instead of an answer. */
  failNext(options: FailOptions = {}): this {
    const headers = { ...options.headers };
    if (options.retryAfter !== undefined) headers['retry-after'] = String(options.retryAfter);
    return this.#add(options, {
      kind: 'fail',
      status: options.status ?? 500,
      errors:
        options.errors ??
        (options.status === 503 ? ['Vault is sealed'] : ['1 error occurred:\n\t* internal error\n\n']),
      headers,
    });
  }

  /** Real (wall-clock) delay before the answer, for client timeouts. */
  latency(ms: number, scope: FaultScope = {}): this {
    return this.#add({ times: Number.POSITIVE_INFINITY, ...scope }, { kind: 'latency', ms });
  }

  /** Destroys the connection: before any answer, or after the headers and part of the body. */
  resetConnection(scope: FaultScope & { afterHeaders?: boolean } = {}): this {
    return this.#add(scope, { kind: 'reset', afterHeaders: scope.afterHeaders ?? false });
  }

  /** An HTML error page, as a proxy or load balancer in front of Vault answers. */
  htmlError(scope: FaultScope & { status?: number } = {}): this {
    return this.#add(scope, { kind: 'html', status: scope.status ?? 502 });
  }

  /** Vault's rate-limit quota: at most `limit` requests per window of the mock's clock, then 429. */
  rateLimit(limit: number, windowMs = 1000): this {
    this.#rateLimit = { limit, windowMs, windowStart: this.clock.now(), used: 0 };
    return this;
  }

  clear(): void {
    this.#rules.length = 0;
    this.#rateLimit = undefined;
  }

  /**
   * The faults for this request: every matching latency, then at most one answer-replacing
   * fault. The rate limit comes first, as Vault's quota check runs before the request is handled;
   * an arranged fault that does not get to answer keeps its use for a later request.
   */
  take(method: string, path: string): Fault[] {
    const faults: Fault[] = [];
    let answer: Fault | undefined = this.#overQuota(path) ? { kind: 'rate-limit' } : undefined;
    for (const rule of [...this.#rules]) {
      if (!matches(rule.scope, method, path)) continue;
      if (rule.fault.kind === 'latency') faults.push(rule.fault);
      else if (answer) continue;
      else answer = rule.fault;
      rule.scope.times -= 1;
      if (rule.scope.times <= 0) this.#rules.splice(this.#rules.indexOf(rule), 1);
    }
    if (answer) faults.push(answer);
    return faults;
  }

  #overQuota(path: string): boolean {
    const limiter = this.#rateLimit;
    if (!limiter || RATE_LIMIT_EXEMPT.includes(path)) return false;
    const now = this.clock.now();
    if (now - limiter.windowStart >= limiter.windowMs) {
      limiter.windowStart = now;
      limiter.used = 0;
    }
    limiter.used += 1;
    return limiter.used > limiter.limit;
  }

  /** Headers and seconds-until-reset for a rate-limited answer. */
  rateLimitHeaders(): Record<string, string> {
    const limiter = this.#rateLimit;
    if (!limiter) return {};
    const reset = Math.max(1, Math.ceil((limiter.windowStart + limiter.windowMs - this.clock.now()) / 1000));
    return {
      'retry-after': String(reset),
      'x-ratelimit-limit': String(limiter.limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(reset),
    };
  }

  #add(scope: FaultScope, fault: Fault): this {
    this.#rules.push({ scope: { ...scope, times: scope.times ?? 1 }, fault });
    return this;
  }
}

function matches(scope: FaultScope, method: string, path: string): boolean {
  if (scope.method && scope.method.toUpperCase() !== method) return false;
  const want = scope.path;
  if (want === undefined) return true;
  if (want instanceof RegExp) return want.test(path);
  const bare = want.replace(/^\/?(v1\/)?/, '');
  return bare.endsWith('*') ? path.startsWith(bare.slice(0, -1)) : path === bare;
}
