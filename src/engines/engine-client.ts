import { InvalidRequestError } from '../errors';
import type { CallOptions, HttpMethod, VaultResponse } from '../types/requests';
import type { Secret, SecretListener, Subscription } from '../types/secret';

/**
 * What the engine helpers need of the client: its public calls, nothing internal. So a helper
 * goes through the same transport, token handling, retries and errors as `request()` and
 * `secret()`, and adds only paths, bodies and typed results.
 */
export interface EngineClient {
  request(spec: {
    method: HttpMethod;
    path: string;
    body?: unknown;
    query?: Record<string, string | number | boolean> | undefined;
    idempotent?: boolean | undefined;
    signal?: AbortSignal | undefined;
    timeoutMs?: number | undefined;
    namespace?: string | undefined;
    maxRetries?: number | undefined;
  }): Promise<VaultResponse<Record<string, unknown>>>;
  list(path: string, options?: CallOptions): Promise<string[]>;
  secret(path: string, options?: CallOptions & { body?: Record<string, unknown> }): Promise<Secret>;
  watch(
    path: string,
    listener: SecretListener<Record<string, unknown>>,
    options?: CallOptions & { body?: Record<string, unknown> },
  ): Subscription<Record<string, unknown>>;
}

/** A mount path without its surrounding slashes; refused when empty. */
export function mountPath(mount: string, engine: string): string {
  const trimmed = mount.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new InvalidRequestError(`${engine}: the mount path is empty`);
  return trimmed;
}

/**
 * A role or key name: one path segment. A slash would silently address another endpoint
 * (`issue/a/b`), so it is refused before anything is sent.
 */
export function segment(name: string, what: string): string {
  if (name === '' || name.includes('/'))
    throw new InvalidRequestError(`${what} must be one path segment, got "${name}"`);
  return name;
}

/** A key path inside a KV mount: nested folders are fine, leading or trailing slashes are trimmed. */
export function keyPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') throw new InvalidRequestError('the secret path inside the mount is empty');
  return trimmed;
}

/** Only the per-call options, so a caller's extra keys never reach the request spec. */
export function callOptions(options: CallOptions | undefined): CallOptions {
  if (!options) return {};
  const { signal, timeoutMs, namespace, maxRetries } = options;
  return {
    ...(signal ? { signal } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(maxRetries !== undefined ? { maxRetries } : {}),
  };
}
