import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Clock } from '../types/clock';

/**
 * Reading a login credential (a JWT, a secret id, a token) from a file or an app's function, in a
 * bounded way: a FIFO, a device or a huge file is refused rather than read, and a function that
 * never settles is given up on after the request timeout. A login must always settle.
 */

/** Credentials are small (a service-account JWT is about 1 kB); a file larger than this is not one, and is not read. */
export const MAX_CREDENTIAL_BYTES = 1024 * 1024;

export type FileProblem =
  | { kind: 'missing'; code: string }
  | { kind: 'unreadable'; code: string }
  | { kind: 'not-a-file'; what: string }
  | { kind: 'too-large'; bytes: number };

export class CredentialFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: FileProblem,
    options?: { cause?: unknown },
  ) {
    super(`cannot read ${path}: ${problem.kind}`, options);
  }
}

/**
 * The text of a credential file (or any small file the client reads: the Agent's secret files).
 * Opened non-blocking so that a FIFO without a writer cannot hang the open, then checked to be a
 * regular file before a byte is read; nothing beyond `maxBytes` is ever read.
 */
export async function readCredentialFile(path: string, maxBytes = MAX_CREDENTIAL_BYTES): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    const kind = code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable';
    throw new CredentialFileError(path, { kind, code }, { cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const what = stat.isFIFO()
        ? 'a named pipe (FIFO)'
        : stat.isDirectory()
          ? 'a directory'
          : stat.isSocket()
            ? 'a socket'
            : 'a device';
      throw new CredentialFileError(path, { kind: 'not-a-file', what });
    }
    if (stat.size > maxBytes) throw new CredentialFileError(path, { kind: 'too-large', bytes: stat.size });
    // Sized by the file (one byte more shows growth), so a generous limit costs nothing per read.
    let buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const larger = Buffer.alloc(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(larger);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      // A file that grew past the limit while being read is refused like one that was too large.
      if (length > maxBytes) throw new CredentialFileError(path, { kind: 'too-large', bytes: length });
    }
    return buffer.toString('utf8', 0, length);
  } catch (cause) {
    if (cause instanceof CredentialFileError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new CredentialFileError(path, { kind: 'unreadable', code }, { cause });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Why a credential file could not be used, in words for a message. */
export function describeFileProblem(problem: FileProblem): string {
  switch (problem.kind) {
    case 'missing':
      return 'does not exist';
    case 'unreadable':
      return `could not be read (${problem.code}); check its permissions`;
    case 'not-a-file':
      return `is ${problem.what}, not a file; point the option at the file itself`;
    case 'too-large':
      return `is ${problem.bytes} bytes, far more than a credential (at most ${MAX_CREDENTIAL_BYTES}); point the option at the right file`;
  }
}

export class SourceTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * `work`, or a SourceTimeoutError once `ms` pass on the client's clock. The work is abandoned, not
 * cancelled (an app's function cannot be); a late rejection is swallowed so it is never unhandled.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = clock.setTimeout(() => {
      if (done) return;
      done = true;
      reject(new SourceTimeoutError(ms));
    }, ms);
    work.then(
      (value) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Calls an app's credential function, turning a synchronous throw into a rejection. */
export function callSource(source: () => string | Promise<string>): Promise<string> {
  try {
    return Promise.resolve(source());
  } catch (error) {
    return Promise.reject(error);
  }
}
