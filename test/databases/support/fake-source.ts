import type { Secret, SecretListener, Subscription } from 'vault-kubernetes-client';
import type { SecretSource } from 'vault-kubernetes-client/pg';

/**
 * A SecretSource the test drives by hand: it hands a listener new credentials when told, and
 * returns what the listener returned (the drain), so a test sees exactly when a pool let go.
 */
export class FakeSource implements SecretSource {
  #listener: SecretListener<Record<string, unknown>> | undefined;
  #current: Secret<Record<string, unknown>> | undefined;
  #ready!: (secret: Secret<Record<string, unknown>>) => void;
  rotations = 0;

  watch(
    _path: string,
    listener: SecretListener<Record<string, unknown>>,
  ): Subscription<Record<string, unknown>> {
    this.#listener = listener;
    const ready = new Promise<Secret<Record<string, unknown>>>((resolve) => (this.#ready = resolve));
    return Object.assign(() => (this.#listener = undefined), { ready });
  }

  async secret(): Promise<Secret<Record<string, unknown>>> {
    if (!this.#current) throw new Error('no credentials yet');
    return this.#current;
  }

  async rotate(): Promise<unknown> {
    this.rotations += 1;
    return this.#current;
  }

  /** Hands over credentials; resolves with whatever the listener returned (a drain promise). */
  deliver(username: string, password: string, reason = 'max-ttl'): Promise<void> | undefined {
    const previous = this.#current;
    const secret = {
      path: 'database/creds/app',
      kind: 'leased',
      data: { username, password },
      lease: { id: `lease-${username}` },
    } as unknown as Secret<Record<string, unknown>>;
    this.#current = secret;
    const result = this.#listener?.(secret, previous ? { previous, reason: reason as never } : undefined);
    if (!previous) this.#ready(secret);
    return result ?? undefined;
  }
}
