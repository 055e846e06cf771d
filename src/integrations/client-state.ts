import {
  type ErrorCode,
  isVaultClientError,
  type VaultKubernetesClient,
  VaultNotReadyError,
  VaultTokenExpiredError,
} from 'vault-kubernetes-client';

/** Why the client cannot serve right now, as one of the client's own `ErrorCode`s. */
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
 * Starts the client unless a start is already under way, and returns that shared start. It never
 * rejects: a failure is kept (for the 503's code), and the client itself reports it as an `error`
 * event and retries the login with backoff. Nobody has to await it; a test may, to know the
 * outcome is recorded.
 */
export function startInBackground(client: VaultKubernetesClient): Promise<void> {
  const state = stateOf(client);
  if (state.starting) return state.starting;
  if (client.closed) return Promise.resolve();
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
  return state.starting;
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
