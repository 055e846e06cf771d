import type { VaultKubernetesClient } from 'vault-kubernetes-client';
import { z } from 'zod';

const Config = z.object({ api_url: z.string().url(), timeout_ms: z.coerce.number().int().positive() });

/** An app's own module: its settings come from Vault, and it wants to know when they change. */
export class Settings {
  apiUrl = '';
  timeoutMs = 0;
  changes = 0;
  #stop: (() => void) | undefined;

  constructor(private readonly vault: VaultKubernetesClient) {}

  async load(): Promise<void> {
    const subscription = this.vault.watch(
      'secret/data/myapp/config',
      (config, change) => {
        this.apiUrl = config.data.api_url;
        this.timeoutMs = config.data.timeout_ms;
        if (change) this.changes += 1;
      },
      { schema: Config },
    );
    this.#stop = subscription;
    await subscription.ready;
  }

  stop(): void {
    this.#stop?.();
  }
}
