import type { Readable } from 'node:stream';
import { VaultResponseTooLargeError } from '../errors';

/** Vault's own limit on a request body (`max_request_size`): no answer a client needs comes close. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Reads a Node stream (undici's response body) as UTF-8 text, counting bytes as they arrive:
 * past `limit` it stops reading and destroys the stream, which discards the connection, so a
 * huge or endless answer costs at most `limit` bytes of memory. An announced `content-length`
 * above the limit is refused before a byte is read.
 */
export function readNodeBody(
  body: Readable,
  limit: number,
  declared: number | undefined,
  call: string,
): Promise<string> {
  if (declared !== undefined && declared > limit) {
    // Destroying the body aborts the request, and undici then closes its connection.
    body.on('error', ignore).destroy();
    return Promise.reject(tooLarge(call, limit, 0, declared));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      // The abort error the destroy below causes must not go unhandled.
      body.on('error', ignore);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        body.destroy();
        reject(tooLarge(call, limit, received, declared));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

/** The same for a WHATWG stream (a Response from a `fetch` the app passed in). */
export async function readWebBody(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  declared: number | undefined,
  call: string,
): Promise<string> {
  if (!body) return '';
  if (declared !== undefined && declared > limit) {
    void body.cancel().catch(ignore);
    throw tooLarge(call, limit, 0, declared);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      void reader.cancel().catch(ignore);
      throw tooLarge(call, limit, received, declared);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `content-length` as a number, when it is one. */
export function declaredLength(value: string | string[] | null | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === null || text === '') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function tooLarge(
  call: string,
  limit: number,
  received: number,
  declared: number | undefined,
): VaultResponseTooLargeError {
  const size =
    declared !== undefined
      ? `announced ${formatBytes(declared)}`
      : `was still streaming after ${formatBytes(received)}`;
  return new VaultResponseTooLargeError(
    `the answer to ${call} ${size}, more than maxResponseBytes (${formatBytes(limit)}); the connection was dropped. No Vault answer is that large: check that the address points at Vault and not at something else, or raise maxResponseBytes`,
    {
      limitBytes: limit,
      receivedBytes: received,
      ...(declared !== undefined ? { declaredBytes: declared } : {}),
    },
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

function ignore(): void {}
