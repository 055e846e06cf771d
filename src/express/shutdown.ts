import type { VaultKubernetesClient } from 'vault-kubernetes-client';

/** What the shutdown hook needs of a server: `http.Server`, `https.Server` and `app.listen()`'s result all fit. */
export interface ClosableServer {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

export interface VaultShutdownOptions {
  /**
   * Revoke the client's leases and token when the server closes.
   * @default false
   */
  revoke?: boolean | undefined;
}

export interface VaultShutdown {
  /**
   * Settles once the client has closed after the server did: await it after `server.close()`
   * before the process exits. Rejects only if `close()` did, and only for whoever awaits it.
   */
  readonly done: Promise<void>;
  /** Detaches from the server; the client is then left open. */
  cancel(): void;
}

/**
 * Closes the client (optionally revoking its leases and token) when the HTTP server closes, so
 * `process.on('SIGTERM', () => server.close())` is all an app needs for a clean exit.
 *
 * @example
 * const server = app.listen(8080);
 * vaultGracefulShutdown(client, server, { revoke: true });
 * process.on('SIGTERM', () => server.close());
 */
export function vaultGracefulShutdown(
  client: VaultKubernetesClient,
  server: ClosableServer,
  options: VaultShutdownOptions = {},
): VaultShutdown {
  let settle: (closing: Promise<void>) => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  // Nobody has to await `done`; without this a failed close would be an unhandled rejection.
  done.catch(() => undefined);
  const onClose = () => settle(client.close({ revoke: options.revoke === true }));
  server.once('close', onClose);
  return {
    done,
    cancel: () => {
      server.off('close', onClose);
    },
  };
}
