import { type ErrorCode, isVaultClientError, type VaultKubernetesClient } from 'vault-kubernetes-client';

/**
 * Why the client cannot serve right now. `code` is the client's own `ErrorCode` of the failure;
 * it is absent while the client simply has not logged in yet (nothing failed).
 */
export interface Unavailable {
  code?: ErrorCode;
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
  // Vault calls an expired token invalid, as it does a revoked one.
  if (info) return { code: 'ERR_VAULT_INVALID_TOKEN', message: 'The Vault token has expired.' };
  const failed = state.lastError;
  return failed === undefined
    ? { message: 'The Vault client has not logged in yet.' }
    : { code: codeOf(failed), message: 'The Vault client cannot log in.' };
}

/** The client's code for an error; anything else (a bug, not Vault) is the client's ERR_INTERNAL. */
export function codeOf(error: unknown): ErrorCode {
  return isVaultClientError(error) ? error.code : 'ERR_INTERNAL';
}
