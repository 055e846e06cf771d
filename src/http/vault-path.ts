import { InvalidRequestError } from '../errors';

/**
 * A Vault API path made safe for the URL: each segment percent-encoded, and segments that could
 * climb out of the path (`..`, `.`, also when percent-encoded) refused, so a call can only ever
 * reach the path it names. Query strings belong in the call's `query` option, not the path.
 */
export function encodeVaultPath(path: string): string {
  if (typeof path !== 'string' || path.trim() === '')
    throw new InvalidRequestError('a Vault path is required, e.g. "secret/data/myapp/config"');
  if (/[?#]/.test(path)) {
    throw new InvalidRequestError(
      `the Vault path "${path}" contains '?' or '#'; pass query parameters through the call's \`query\` option`,
    );
  }
  const bare = path.replace(/^\/+/, '').replace(/^v1\//, '');
  const trailing = bare.endsWith('/');
  const segments = bare.replace(/\/+$/, '').split('/');
  for (const segment of segments) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new InvalidRequestError(
        `the Vault path "${path}" has a malformed percent-encoding in "${segment}"`,
      );
    }
    if (
      segment === '' ||
      decoded === '.' ||
      decoded === '..' ||
      decoded.includes('/') ||
      decoded.includes('\\')
    ) {
      throw new InvalidRequestError(
        `the Vault path "${path}" has an empty, '.' or '..' segment; write the path Vault should see, e.g. "secret/data/myapp/config"`,
      );
    }
  }
  return segments.map((s) => encodeURIComponent(decodeURIComponent(s))).join('/') + (trailing ? '/' : '');
}
