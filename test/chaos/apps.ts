import { type Secret, VaultClientError, type VaultKubernetesClient } from 'vault-kubernetes-client';
import type { ManualClock, ManualTimer } from 'vault-kubernetes-client/testing';
import type { Judge } from './judge';
import type { Rng } from './random';
import type { SecretSpec } from './world';

/**
 * The services using the client: a few apps, each owning some of the secrets and calling
 * `secret()` on all of them about once a simulated minute, plus `watch()` listeners. Apps run as
 * timers on the shared clock, so a call that waits out a retry never blocks the test's clock.
 * Every value handed out is judged the moment it arrives.
 */
export class Apps {
  /** Every `secret()` call, for the request-rate bounds (a failing call may try Vault 3 times). */
  readonly calls: { key: string; at: number }[] = [];
  readonly failures = new Map<string, number>();
  served = 0;
  readonly #timers = new Set<ManualTimer>();
  readonly #unwatch: (() => void)[] = [];
  #stopped = false;

  constructor(
    private readonly clock: ManualClock,
    private readonly client: VaultKubernetesClient,
    private readonly judge: Judge,
    private readonly rng: Rng,
    private readonly unexpected: (what: string) => void,
  ) {}

  start(specs: readonly SecretSpec[], apps: number): void {
    for (let i = 0; i < apps; i++) {
      const mine = specs.filter((_, n) => n % apps === i);
      this.#schedule(mine, this.rng.int(0, 60_000));
    }
  }

  /** Watchers on some secrets: each value delivered is judged at delivery. */
  watch(specs: readonly SecretSpec[]): void {
    for (const spec of specs) {
      const stop = this.client.watch(
        spec.path,
        (secret) => this.judge.check(spec, secret as Secret<Record<string, unknown>>, 'watch'),
        spec.body ? { body: spec.body } : {},
      );
      stop.ready.catch((error: unknown) => this.#failed(error));
      this.#unwatch.push(stop);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) this.clock.clearTimeout(timer);
    this.#timers.clear();
    for (const stop of this.#unwatch) stop();
  }

  #schedule(specs: readonly SecretSpec[], delayMs: number): void {
    if (this.#stopped) return;
    const timer = this.clock.setTimeout(() => {
      this.#timers.delete(timer);
      this.#schedule(specs, this.rng.int(45_000, 75_000));
      return Promise.allSettled(specs.map((spec) => this.#use(spec)));
    }, delayMs);
    this.#timers.add(timer);
  }

  #use(spec: SecretSpec): Promise<void> {
    this.calls.push({ key: spec.key, at: this.clock.now() });
    return this.client.secret(spec.path, spec.body ? { body: spec.body } : {}).then(
      (secret) => {
        this.served += 1;
        this.judge.check(spec, secret as Secret<Record<string, unknown>>, 'secret()');
      },
      (error: unknown) => this.#failed(error),
    );
  }

  #failed(error: unknown): void {
    if (!(error instanceof VaultClientError)) {
      this.unexpected(`secret() failed with something other than a VaultClientError: ${String(error)}`);
      return;
    }
    this.failures.set(error.code, (this.failures.get(error.code) ?? 0) + 1);
  }
}
