import { InvalidRequestError } from '../errors';

/**
 * A Vault API path made safe for the URL, so that a call reaches exactly the path it names and
 * no other. Every character is taken literally and percent-encoded (`%41` names a key spelled
 * `%41`, as in Vault's own CLI and Go client), so whatever Vault decodes is what the caller
 * wrote. Segments that could climb out of the path (`.`, `..`, a `/` or `\` inside one) are
 * refused, also when they only become so after percent-decoding, once or more: a proxy in front
 * of Vault that decodes again must not see them either. Leading slashes are dropped, as Vault
 * ignores them; one trailing slash is kept (LIST). Query strings go in the call's `query` option.
 */
export function encodeVaultPath(path: string): string {
  const known = typeof path === 'string' ? encoded.get(path) : undefined;
  if (known !== undefined) return known;
  const result = encodePath(path);
  // A service reads the same few paths over and over: remember the last few hundred, checked once.
  if (encoded.size >= 512) encoded.delete(encoded.keys().next().value as string);
  encoded.set(path, result);
  return result;
}

const encoded = new Map<string, string>();

function encodePath(path: string): string {
  if (typeof path !== 'string' || path.trim() === '')
    throw new InvalidRequestError('a Vault path is required, e.g. "secret/data/myapp/config"');
  if (/[?#]/.test(path)) {
    throw new InvalidRequestError(
      `the Vault path "${path}" contains '?' or '#'; pass query parameters through the call's \`query\` option`,
    );
  }
  const bare = path.replace(/^\/+/, '');
  const trailing = bare.endsWith('/');
  const segments = (trailing ? bare.slice(0, -1) : bare).split('/');
  const encoded = segments.map((segment) => {
    if (segment === '' || escapes(segment)) {
      throw new InvalidRequestError(
        `the Vault path "${path}" has an empty, '.' or '..' segment, or a '/' or '\\' hidden in one ("${segment}"); write the path Vault should see, e.g. "secret/data/myapp/config"`,
      );
    }
    try {
      return encodeURIComponent(segment);
    } catch {
      throw new InvalidRequestError(`the Vault path "${path}" is not well-formed Unicode (a lone surrogate)`);
    }
  });
  return encoded.join('/') + (trailing ? '/' : '');
}

/**
 * Whether a segment is, or becomes after percent-decoding, a dot segment or something holding a
 * separator. Only the escapes that matter are decoded (`%2e`, `%2f`, `%5c`, and `%25` for the next
 * layer), leniently, as a proxy might: a malformed escape elsewhere in the segment stops nothing.
 */
function escapes(segment: string): boolean {
  let current = segment;
  for (let layer = 0; layer < 8; layer++) {
    if (current === '.' || current === '..' || current.includes('/') || current.includes('\\')) return true;
    const next = current.replace(/%(2e|2f|5c|25)/gi, (encoded) => decodeURIComponent(encoded));
    if (next === current) return false;
    current = next;
  }
  // Eight layers of percent-encoding are no accident.
  return true;
}
