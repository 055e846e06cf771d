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
  } catch {
    throw new VaultError(400, `failed to parse JSON input: ${goJsonError(text)}`);
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
    else if (char === '{' || char === '[') depth++;
    else if ((char === '}' || char === ']') && --depth === 0) return text.slice(0, i + 1);
  }
  return text;
}
