import {
  type ErrorCode,
  isVaultClientError,
  type VaultKubernetesClient,
  VaultNotReadyError,
  VaultTokenExpiredError,
} from 'vault-kubernetes-client';

export interface Unavailable {
  // Every code here is in the SDK's ErrorCode union (surface's src/errors.ts): the states this
  // module reports have their own classes there (VaultNotReadyError, VaultTokenExpiredError).
  code: ErrorCode;
  message: string;
}

interface StartState {
  starting: Promise<void> | undefined;
  lastError: unknown;
}

// Per client rather than per middleware, so several middlewares and probes share one start.
// No `error` listener on purpose: one would silence the client's default logging of errors.
const states = new WeakMap<VaultKubernetesClient, StartState>();

function stateOf(client: VaultKubernetesClient): StartState {
  let state = states.get(client);
  if (!state) {
    state = { starting: undefined, lastError: undefined };
    states.set(client, state);
  }
  return state;
}

/**
 * Starts the client without waiting for it. A failure is kept (for the 503's code) and not
 * rethrown: the client reports it as an `error` event and retries the login with backoff.
 */
export function startInBackground(client: VaultKubernetesClient): void {
  const state = stateOf(client);
  if (state.starting || client.closed) return;
  state.starting = client
    .start()
    .then(
      () => {
        state.lastError = undefined;
      },
      (error: unknown) => {
        state.lastError = error;
      },
    )
    .finally(() => {
      state.starting = undefined;
    });
}

/** Why the client has no usable token right now; undefined when it has one. */
export function tokenProblem(client: VaultKubernetesClient): Unavailable | undefined {
  if (client.closed) return { code: 'ERR_CLIENT_CLOSED', message: 'The Vault client is closed.' };
  const state = stateOf(client);
  const info = client.tokenInfo();
  if (info && (info.ttlMs === undefined || info.ttlMs > 0)) {
    state.lastError = undefined;
    return undefined;
  }
  if (info) return { code: new VaultTokenExpiredError().code, message: 'The Vault token has expired.' };
  const failed = state.lastError;
  return failed === undefined
    ? { code: new VaultNotReadyError().code, message: 'The Vault client has not logged in yet.' }
    : { code: codeOf(failed), message: 'The Vault client cannot log in.' };
}

export function codeOf(error: unknown): ErrorCode {
  // A foreign error is a bug on some side: the SDK's code for that is ERR_INTERNAL.
  return isVaultClientError(error) ? error.code : 'ERR_INTERNAL';
}
