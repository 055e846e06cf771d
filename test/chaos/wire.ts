import { Agent, fetch as undiciFetch } from 'undici';
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

/**
 * Watches the client's traffic from its `fetch` option: every attempt it makes (for request-rate
 * bounds during outages), the tokens it logs in with (token → accessor), and what Vault told it
 * about revocations, which is what the judge may hold it to.
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
  /**
   * The wire's own connections: a `fetch` passed to the client makes its own (the client's
   * close() cannot end them), so the wire sends through undici's fetch with an agent of its own,
   * one undici for both, and ends them in close().
   */
  readonly #agent = new Agent();

  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  constructor(
    private readonly clock: ManualClock,
    private readonly secretOf: (
      path: string,
      body: Record<string, unknown> | undefined,
    ) => string | undefined,
  ) {}

  accessors(): string[] {
    return [...this.#accessors.values()];
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input as string | URL, init);
    const path = new URL(request.url).pathname.replace(/^\/v1\//, '');
    const needsBody = path.startsWith('sys/leases/') || path.startsWith('pki/issue/');
    const body = needsBody ? await readJson(request.clone()) : undefined;
    const token = request.headers.get('x-vault-token');
    const attempt: Attempt = {
      at: this.clock.now(),
      method: request.method,
      path,
      secret: this.secretOf(path, body),
      status: 'network',
    };
    this.attempts.push(attempt);
    let response: Response;
    try {
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      response = (await undiciFetch(request.url, {
        method: request.method,
        headers: [...request.headers],
        ...(hasBody ? { body: await request.clone().arrayBuffer() } : {}),
        signal: init?.signal ?? request.signal,
        redirect: 'manual',
        dispatcher: this.#agent,
      })) as unknown as Response;
    } finally {
      this.generation += 1;
    }
    attempt.status = response.status;
    if (path.endsWith('/login') && response.status === 200) {
      const auth = (
        (await readJson(response.clone())) as { auth?: { client_token?: string; accessor?: string } }
      )?.auth;
      if (auth?.client_token && auth.accessor) this.#accessors.set(auth.client_token, auth.accessor);
    } else if (response.status === 400 && path === 'sys/leases/renew' && typeof body?.lease_id === 'string') {
      this.leasesTold.set(body.lease_id, this.clock.now());
    } else if (response.status === 403 && token) {
      const errors = (await readJson(response.clone()))?.errors;
      const accessor = this.#accessors.get(token);
      if (accessor && Array.isArray(errors) && errors.some((e) => String(e).includes('invalid token')))
        this.tokensTold.set(accessor, this.clock.now());
    }
    return response;
  };
}

async function readJson(message: Request | Response): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await message.text();
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
