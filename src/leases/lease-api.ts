import type { TokenManager } from '../auth/token-manager';
import { asClientError, ClientClosedError, VaultPermissionDeniedError } from '../errors';
import type { EventHub } from '../events';
import type { Transport } from '../http/transport';
import { type Envelope, parseEnvelope } from '../http/vault-response';
import type { ResolvedOptions } from '../options';
import type { CallOptions } from '../types/requests';

/**
 * Vault calls for managed secrets: the secret read itself and `sys/leases/*`. Revocation is
 * best effort: the default policy does not grant `sys/leases/revoke`, and a lease that cannot
 * be revoked still ends with its token or its TTL, so that is a warning (once), not an error.
 */
export class LeaseApi {
  #warnedRevoke = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly transport: Transport,
    private readonly tokens: TokenManager,
    private readonly events: EventHub,
  ) {}

  async read(
    request: { path: string; method: 'GET' | 'POST'; body?: Record<string, unknown> },
    call?: CallOptions,
  ): Promise<Envelope> {
    const res = await this.tokens.run(
      (token) =>
        this.transport.send({
          method: request.method,
          path: request.path,
          token,
          // Each read of `*/creds/*` mints a credential, and so does an issue: never send one twice.
          kind:
            request.method === 'POST' || /(^|\/)creds\//.test(request.path) ? 'lease-creating-read' : 'read',
          ...(request.body ? { body: request.body } : {}),
          ...(call ? { call } : {}),
        }),
      call,
    );
    return parseEnvelope(res.body, { path: request.path, status: res.status });
  }

  async renew(leaseId: string, incrementMs: number, call?: CallOptions): Promise<Envelope> {
    const res = await this.tokens.run(
      (token) =>
        this.transport.send({
          method: 'PUT',
          path: 'sys/leases/renew',
          body: { lease_id: leaseId, increment: Math.round(incrementMs / 1000) },
          token,
          kind: 'idempotent-write',
          // Renewals run in the background, which backs off on its own.
          call: { maxRetries: 0, ...call },
        }),
      call,
    );
    return parseEnvelope(res.body, { path: 'sys/leases/renew', status: res.status });
  }

  /** Revokes a replaced lease in the background, with the current token. */
  async revoke(leaseId: string): Promise<void> {
    try {
      await this.tokens.run((token) => this.#send(this.transport, leaseId, token, {}));
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Revokes leases at close: with the given token, through `via` (which outlives the client's own transport). */
  async revokeAll(leaseIds: readonly string[], token: string | undefined, via: Transport): Promise<void> {
    if (!token) return;
    await Promise.all(
      leaseIds.map((id) =>
        this.#send(via, id, token, { maxRetries: 1 }).catch((error: unknown) => this.#failed(error)),
      ),
    );
  }

  #send(via: Transport, leaseId: string, token: string, call: CallOptions): Promise<unknown> {
    return via.send({
      method: 'PUT',
      path: 'sys/leases/revoke',
      body: { lease_id: leaseId },
      token,
      kind: 'idempotent-write',
      call,
    });
  }

  #failed(error: unknown): void {
    if (error instanceof ClientClosedError) return;
    if (error instanceof VaultPermissionDeniedError) {
      if (!this.#warnedRevoke) {
        this.#warnedRevoke = true;
        this.options.logger.warn(
          { path: 'sys/leases/revoke' },
          'cannot revoke leases: the token lacks update on sys/leases/revoke; old leases end with their token or TTL instead (grant it for prompt revocation)',
        );
      }
      return;
    }
    this.events.emit('error', { error: asClientError(error), phase: 'revoke', at: this.options.clock.now() });
  }
}
