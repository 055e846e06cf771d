import type { IncomingMessage } from 'node:http';
import { VaultError } from '../core/vault-error';

/** Vault's default listener limit on request bodies. */
export const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Go's MaxBytesReader error; the server turns it into the message Vault's handler answers. */
function tooLarge(): VaultError {
  return new VaultError(413, 'http: request body too large');
}

/**
 * The request data, as Vault's handler builds it: a JSON object, or form fields when the
 * content type says so and the body does not look like JSON. The errors carry parseJSONRequest's
 * detail, which Vault logs; clients only see `error parsing JSON`.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  const first = text.trimStart()[0];
  if (contentType?.startsWith('application/x-www-form-urlencoded') && first !== '{' && first !== '[') {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let value: unknown;
  try {
    value = JSON.parse(firstJsonValue(text));
  } catch (error) {
    const detail = error instanceof VaultError ? error.message : goJsonError(text);
    throw new VaultError(400, `failed to parse JSON input: ${detail}`);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : typeof value;
    throw new VaultError(
      400,
      `failed to parse JSON input: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Go's encoding/json wording for the common failures, so messages read like Vault's. */
function goJsonError(text: string): string {
  const trimmed = text.trimStart();
  const first = trimmed[0]!;
  if (!'{["-0123456789tfn'.includes(first))
    return `invalid character '${first}' looking for beginning of value`;
  return 'unexpected EOF';
}

/**
 * http/logical.go: PATCH needs the merge-patch media type (parameters allowed); a header that is
 * not a media type at all fails mime.ParseMediaType first, with Go's message and 400.
 */
export function checkPatchContentType(header: string | undefined): void {
  const mediaType = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === '') throw new VaultError(400, 'mime: no media type');
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(mediaType)) {
    throw new VaultError(400, 'mime: expected slash after first token');
  }
  if (mediaType !== 'application/merge-patch+json') {
    throw new VaultError(
      415,
      `PATCH requires Content-Type of application/merge-patch+json, provided ${mediaType}`,
    );
  }
}

/**
 * The body as Vault's buildLogicalRequestNoAuth reads it. Vault hides the parser's detail from
 * the client: a body it cannot decode is `error parsing JSON`, 400, or 413 when the listener's
 * size limit cut it short. With a limit under the 512 bytes it peeks at first, the peek itself
 * fails (`error reading data`).
 */
export async function readRequestData(
  method: string,
  read: () => Promise<Buffer>,
  contentType: string | undefined,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = await read();
  } catch (error) {
    if (error instanceof VaultError && error.status === 413) {
      const peekFailed = maxBytes < 512 && method !== 'PATCH';
      throw new VaultError(413, peekFailed ? 'error reading data' : 'error parsing JSON');
    }
    throw error;
  }
  try {
    return parseBody(raw, contentType);
  } catch (error) {
    if (error instanceof VaultError && error.status === 400) throw new VaultError(400, 'error parsing JSON');
    throw error;
  }
}

/**
 * Go's json.Decoder reads one value and leaves the rest of the stream unread, so Vault accepts
 * `{"a":1} trailing bytes`. This cuts an object or array at its closing bracket.
 */
function firstJsonValue(text: string): string {
  const start = text.length - text.trimStart().length;
  if (text[start] !== '{' && text[start] !== '[') return text;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      // Go's scanner refuses nesting past maxNestingDepth before building anything.
      if (++depth > GO_MAX_NESTING_DEPTH) throw new VaultError(400, 'exceeded max depth');
    } else if ((char === '}' || char === ']') && --depth === 0) return text.slice(0, i + 1);
  }
  return text;
}

/** encoding/json scanner.go maxNestingDepth. */
const GO_MAX_NESTING_DEPTH = 10_000;
