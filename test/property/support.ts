import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { ERROR_CLASSES, type ErrorCode, type Logger, VaultClientError } from 'vault-kubernetes-client';

/**
 * Shared plumbing for the property suites: one seed for every run (override with PROPERTY_SEED
 * to replay a CI failure), a scripted HTTP server that answers whatever a property generated,
 * and a watch on the process for rejections nobody handled.
 */

export const SEED = Number.parseInt(process.env.PROPERTY_SEED ?? '', 10) || 20_260_611;
/** Multiplies every property's run count, for a longer local soak (PROPERTY_RUNS_SCALE=10). */
const SCALE = Number(process.env.PROPERTY_RUNS_SCALE) > 0 ? Number(process.env.PROPERTY_RUNS_SCALE) : 1;

export async function check<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
  numRuns: number,
): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns: Math.ceil(numRuns * SCALE) });
  } catch (error) {
    // fast-check names the seed too; this line is the one to paste into a shell.
    console.error(`property failed: replay with PROPERTY_SEED=${SEED} npx vitest run test/property`);
    throw error;
  }
}

export const ERROR_CODES = Object.keys(ERROR_CLASSES) as readonly ErrorCode[];

/** A typed error the app can branch on: our class, a known code, and printable without throwing. */
export function describeUntyped(error: unknown): string | undefined {
  if (!(error instanceof VaultClientError)) {
    return `not a VaultClientError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  if (error.code === 'ERR_INTERNAL') return `ERR_INTERNAL (a foreign error wrapped): ${error.message}`;
  if (!ERROR_CODES.includes(error.code)) return `unknown code ${error.code}`;
  if (typeof error.message !== 'string' || error.message === '') return 'empty message';
  try {
    JSON.stringify(error);
    String(error);
  } catch (cause) {
    return `cannot be printed: ${String(cause)}`;
  }
  return undefined;
}

export type Settled<T> =
  | { state: 'fulfilled'; value: T }
  | { state: 'rejected'; error: unknown }
  | { state: 'hung' };

/** Races a call against real time, so a hang fails the property instead of the whole test file. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'hung' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ state: 'fulfilled', value }),
        (error: unknown): Settled<T> => ({ state: 'rejected', error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Unhandled rejections and uncaught exceptions while a property runs. */
export function watchProcess(): { problems: unknown[]; stop: () => void } {
  const problems: unknown[] = [];
  const record = (reason: unknown) => problems.push(reason);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    problems,
    stop: () => {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}

/** Stringifies every log line, so a field that cannot be serialised shows up as a failure. */
export function strictLogger(into: string[] = []): Logger {
  const log = (fields: Record<string, unknown>, message: string) => {
    into.push(`${message} ${JSON.stringify(fields)}`);
    if (into.length > 200) into.splice(0, 100);
  };
  return { debug: log, info: log, warn: log, error: log };
}

export interface Received {
  method: string;
  /** The request target as sent on the wire. */
  rawUrl: string;
  /** Path after `/v1/`, percent-decoded once, as Vault's Go router sees it. */
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How the server delivers an answer; the odd ones are what proxies and dying pods do. */
export type Delivery =
  | { kind: 'full' }
  /** Content-Length promises more than is sent, then the socket is destroyed. */
  | { kind: 'truncate'; keep: number }
  /** The connection is destroyed before any byte of a response. */
  | { kind: 'destroy' }
  /** Headers and part of the body, then nothing, with the connection left open. */
  | { kind: 'stall' };

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  delivery?: Delivery;
}

export type Script = (req: Received) => Answer | undefined;

export interface ScriptedServer {
  address: string;
  received: Received[];
  script: Script;
  close(): Promise<void>;
}

/** A tiny Vault stand-in on 127.0.0.1:0 that answers what `script` says (404 for what it does not know). */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const state: ScriptedServer = {
    address: '',
    received: [],
    script: () => undefined,
    close: async () => undefined,
  };
  // Go's default header limit (1 MB), not Node's 16 KB: long paths reach the handler, as they would reach Vault.
  const server: Server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = req.url ?? '/';
      const pathname = raw.split('?')[0]!;
      let path: string;
      try {
        path = decodeURIComponent(pathname.replace(/^\/v1\//, ''));
      } catch {
        path = `<undecodable ${pathname}>`;
      }
      const received: Received = {
        method: req.method ?? '',
        rawUrl: raw,
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      state.received.push(received);
      answer(res, state.script(received) ?? { status: 404, body: '{"errors":[]}' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function answer(res: ServerResponse, a: Answer): void {
  const body = typeof a.body === 'string' ? Buffer.from(a.body) : (a.body ?? Buffer.alloc(0));
  const delivery = a.delivery ?? { kind: 'full' };
  if (delivery.kind === 'destroy') {
    res.socket?.destroy();
    return;
  }
  const headers = { ...a.headers };
  if (delivery.kind === 'stall') {
    res.writeHead(a.status, { ...headers, 'content-length': String(body.length + 1) });
    res.write(body);
    return;
  }
  if (delivery.kind === 'truncate') {
    const kept = body.subarray(0, Math.min(delivery.keep, body.length));
    res.writeHead(a.status, { ...headers, 'content-length': String(kept.length + 1 + delivery.keep) });
    res.write(kept, () => res.socket?.destroy());
    return;
  }
  // 204 and 304 carry no body by definition.
  if (a.status === 204 || a.status === 304) {
    res.writeHead(a.status, headers);
    res.end();
    return;
  }
  res.writeHead(a.status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

export const json = (value: unknown): string => JSON.stringify(value);
