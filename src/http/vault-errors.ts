import { createResponseError, type ResponseErrorDetails, type VaultResponseError } from '../errors';

/** Vault's core wraps some errors in go-multierror: "2 errors occurred:\n\t* a\n\t* b\n\n" → [a, b]. */
export function splitMultierror(errors: readonly string[]): string[] {
  return errors.flatMap((message) => {
    const match = /^\d+ errors? occurred:\n([\s\S]*)$/.exec(message);
    if (!match) return [message.trim()];
    return match[1]!
      .split('\n')
      .map((line) => line.replace(/^\t\* /, '').trim())
      .filter((line) => line !== '');
  });
}

/** The typed error for an error status (the class decided in errors.ts), with Vault's words and what to do about them. */
export function responseError(details: ResponseErrorDetails): VaultResponseError {
  const { status, method, path, reasons } = details;
  const call = `${method} ${path}`;
  const said = reasons.length > 0 ? clip(reasons.join('; ')) : 'no error message';
  return createResponseError(details, (code) => {
    if (details.foreignBody !== undefined) {
      return `${call}: got ${status} with ${details.foreignBody}, not Vault's JSON; something between this client and Vault (a proxy, ingress or load balancer) answered instead: check the address and the proxy`;
    }
    switch (code) {
      case 'ERR_VAULT_BAD_REQUEST':
        return `Vault refused ${call} (400): ${said}`;
      case 'ERR_VAULT_INVALID_TOKEN':
        return `Vault rejected the token on ${call} (403): ${said}; the token expired or was revoked`;
      case 'ERR_VAULT_PERMISSION_DENIED':
        return `Vault denied ${call} (403): ${said}; the token's policies do not allow this on "${path}": compare the path with the policy (vault token capabilities ${path})${apiPrefixHint(path)}`;
      case 'ERR_VAULT_NOT_FOUND': {
        const noMount = reasons.some((r) => r.startsWith('no handler for route'));
        const hint = noMount
          ? `no secrets engine is mounted there: check the mount name${apiPrefixHint(path)}`
          : 'nothing is stored there: check the path (KV v2 reads go through <mount>/data/<name>)';
        return `Vault has nothing at ${path} (404${reasons.length ? `: ${said}` : ''}); ${hint}`;
      }
      case 'ERR_VAULT_RATE_LIMITED': {
        const after =
          details.retryAfterMs !== undefined
            ? `; Vault asks to retry after ${Math.ceil(details.retryAfterMs / 1000)} s`
            : '';
        return `Vault is rate limiting ${call} (429): ${said}${after}`;
      }
      case 'ERR_VAULT_SEALED':
        return `Vault is sealed (503) and answered nothing to ${call}: an operator must unseal it; calls succeed again once it is`;
      case 'ERR_VAULT_SERVER':
        return `Vault failed ${call} (${status}): ${said}`;
      default:
        return `Vault answered ${status} to ${call}: ${said}`;
    }
  });
}

/**
 * Paths are sent as written, so `v1/secret/...` reaches a mount named `v1`; when that was not
 * meant, say where the prefix came from.
 */
function apiPrefixHint(path: string): string {
  return /^\/*v1\//.test(path)
    ? '; the path starts with "v1/", the HTTP API prefix the client adds itself: unless a mount is named "v1", write the path without it'
    : '';
}

/**
 * Vault's words as they go into a message: whole for anything Vault says, cut short for the
 * megabytes a broken proxy might send, so that a message stays one log line.
 */
export function clip(text: string, max = 1_000): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * What a body that is not Vault's JSON looks like, in words: its kind (from `content-type`, or a
 * glance at its first byte) and its size. Never its content.
 */
export function describeForeignBody(text: string, contentType: string | undefined): string {
  const bytes = Buffer.byteLength(text);
  // A media type is named only when it looks like one: the header comes from whoever answered.
  const named = contentType?.split(';')[0]?.trim().toLowerCase();
  const type = named && named.length <= 64 && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(named) ? named : undefined;
  const kind =
    bytes === 0
      ? 'an empty body'
      : type === 'text/html' || /^\s*<(!doctype|html)/i.test(text)
        ? 'an HTML page'
        : type?.includes('json') || /^\s*[[{]/.test(text)
          ? 'a body that is not valid JSON (cut short, or not JSON at all)'
          : type
            ? `a ${type} body`
            : 'a body of unknown type';
  return bytes === 0 ? kind : `${kind} (${bytes} bytes)`;
}

/** Vault's `errors` strings from a parsed error body; undefined when the body is not Vault's JSON object. */
export function vaultErrors(body: unknown): string[] | undefined {
  if (body === undefined) return [];
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (Array.isArray(errors)) return errors.filter((e): e is string => typeof e === 'string');
  return [];
}
