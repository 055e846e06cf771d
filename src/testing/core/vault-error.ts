/**
 * An error the mock answers with, shaped the way Vault's core shapes it.
 *
 * Vault writes a backend's own error response verbatim, but wraps plain Go errors raised
 * during token and policy checks in a go-multierror, which is why clients see strings such as
 * "1 error occurred:\n\t* permission denied\n\n". `wrapped()` reproduces that formatting.
 */
export class VaultError extends Error {
  readonly status: number;
  readonly messages: string[];
  readonly headers: Record<string, string>;

  constructor(status: number, messages: string | string[] = [], headers: Record<string, string> = {}) {
    const list = typeof messages === 'string' ? [messages] : messages;
    super(list.join('; ') || `status ${status}`);
    this.name = 'VaultError';
    this.status = status;
    this.messages = list;
    this.headers = headers;
  }

  /** The go-multierror form Vault's core uses for errors it did not get from a backend verbatim. */
  static wrapped(status: number, ...errors: string[]): VaultError {
    return new VaultError(status, [multierror(errors)]);
  }
}

export function multierror(errors: string[]): string {
  const head = errors.length === 1 ? '1 error occurred:' : `${errors.length} errors occurred:`;
  return `${head}\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

export const permissionDenied = (): VaultError => VaultError.wrapped(403, 'permission denied');
export const invalidToken = (): VaultError => VaultError.wrapped(403, 'permission denied', 'invalid token');
export const unsupportedPath = (): VaultError => VaultError.wrapped(404, 'unsupported path');
export const unsupportedOperation = (): VaultError => VaultError.wrapped(405, 'unsupported operation');
export const badRequest = (message: string): VaultError => new VaultError(400, message);
