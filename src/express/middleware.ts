import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  type ErrorCode,
  isVaultClientError,
  VaultClientError,
  type VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { codeOf, startInBackground, tokenProblem, type Unavailable } from '../integrations/client-state';
import {
  loadSecrets,
  normalizeSpecs,
  type SecretSpecs,
  SecretUnavailable,
  type VaultSecrets,
} from '../integrations/secret-specs';

export interface VaultMiddlewareOptions<S extends SecretSpecs> {
  /** What every request behind the middleware needs, by name: `{ config: 'secret/data/app/config' }`. */
  secrets?: S | undefined;
  /**
   * Log in when the middleware is created, and again on requests while there is no token (the
   * client's own backoff paces the attempts). With false the app starts the client.
   * @default true
   */
  start?: boolean | undefined;
}

/** What the middleware puts on `res.locals`. */
export interface VaultLocals<S extends SecretSpecs> {
  vault: VaultSecrets<S>;
}

/** The middleware, plus a typed accessor for what it put on a response. */
export interface VaultMiddleware<S extends SecretSpecs> extends RequestHandler {
  /** This request's secrets, typed by the middleware's specs. Throws if the middleware did not run for `res`. */
  secrets(res: Response): VaultSecrets<S>;
}

/** `res.locals` of a handler behind the middleware: `res: Response<unknown, VaultLocalsOf<typeof vault>>`. */
export type VaultLocalsOf<M> = M extends VaultMiddleware<infer S> ? VaultLocals<S> : never;

/** The 503 body: a stable code for machines, a sentence for people, never Vault's data or a token. */
export interface VaultUnavailableBody {
  error: 'vault_unavailable';
  /**
   * The client's `ErrorCode` of what failed (`ERR_VAULT_SEALED`, `ERR_VAULT_PERMISSION_DENIED`, ...);
   * absent while the client has not logged in yet and nothing has failed.
   */
  code?: ErrorCode;
  message: string;
  /** The name of the secret that could not be had, when one was the problem. */
  secret?: string;
}

/**
 * Puts the client's managed secrets on `res.locals.vault` for each request, or answers 503
 * while the client has no valid token or a required secret cannot be had. Secrets come from
 * the client's cache, so a request costs no Vault call while they are valid.
 *
 * Errors that are not Vault's (a bug in a schema, say) go to Express's error handling (`next`).
 *
 * @example
 * const vault = vaultMiddleware(client, { secrets: { db: { path: 'database/creds/app', schema: Db } } });
 * app.use(vault).get('/', (req, res) => res.json(vault.secrets(res).db.data.username));
 * @see VaultUnavailableBody for the 503 body.
 */
export function vaultMiddleware<const S extends SecretSpecs = Record<never, never>>(
  client: VaultKubernetesClient,
  options: VaultMiddlewareOptions<S> = {},
): VaultMiddleware<S> {
  const specs = normalizeSpecs(options.secrets);
  const autoStart = options.start !== false;
  const served = new WeakMap<object, VaultSecrets<S>>();
  if (autoStart) void startInBackground(client);

  const serve = async (res: Response, next: NextFunction): Promise<void> => {
    const problem = tokenProblem(client);
    if (problem) {
      if (autoStart && problem.code !== 'ERR_CLIENT_CLOSED') void startInBackground(client);
      unavailable(res, next, problem);
      return;
    }
    let secrets: VaultSecrets<S>;
    try {
      secrets = (await loadSecrets(client, specs)) as VaultSecrets<S>;
    } catch (failure) {
      const { name, error } = failure as SecretUnavailable;
      // A bug rather than Vault being away: Express's error handling is the right place for it.
      if (!(failure instanceof SecretUnavailable) || !isVaultClientError(error)) throw error ?? failure;
      unavailable(
        res,
        next,
        { code: codeOf(error), message: `The secret "${name}" is not available from Vault.`, secret: name },
        error,
      );
      return;
    }
    served.set(res, secrets);
    const locals = res.locals as { vault?: Record<string, unknown> };
    // Merge, so a router-level middleware can add secrets to an app-level one's.
    locals.vault = Object.freeze({ ...locals.vault, ...secrets });
    next();
  };

  // Express 4 ignores a returned promise, so every failure is handed to `next` here.
  const handler = (_req: Request, res: Response, next: NextFunction): void => {
    serve(res, next).catch(next);
  };
  return Object.assign(handler, {
    secrets(res: Response): VaultSecrets<S> {
      const secrets = served.get(res);
      if (!secrets) throw new Error('vaultMiddleware() did not run for this response');
      return secrets;
    },
  });
}

function unavailable(
  res: Response,
  next: NextFunction,
  problem: Unavailable & { secret?: string },
  cause?: VaultClientError,
): void {
  if (res.headersSent) {
    // Too late for a 503 (an earlier handler began the answer): Express's error handling ends the
    // response, and is told why, rather than receiving ERR_HTTP_HEADERS_SENT from the attempt.
    next(cause ?? new VaultClientError(problem.code ?? 'ERR_VAULT_LOGIN', problem.message));
    return;
  }
  const body: VaultUnavailableBody = { error: 'vault_unavailable', ...problem };
  res.status(503).set('Cache-Control', 'no-store').json(body);
}
