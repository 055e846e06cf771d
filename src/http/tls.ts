import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultConfigError } from '../errors';
import type { ResolvedTls } from '../options';

/** What undici's `connect` option takes for TLS: only the fields this client sets. */
export interface TlsConnectOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/**
 * The TLS settings as undici's `connect` options, for the client's own connection pool; undefined
 * when there are none (Node's defaults then apply). Read at the first request, because reading
 * certificate files is I/O and the constructor does none.
 */
export async function tlsConnectOptions(tls: ResolvedTls): Promise<TlsConnectOptions | undefined> {
  const ca = [
    ...(tls.caCert ? [tls.caCert] : []),
    ...(tls.caCertFile ? [await readPem(tls.caCertFile, 'tls.caCertFile (VAULT_CACERT)')] : []),
    ...(tls.caPath ? await readCaDirectory(tls.caPath) : []),
  ];
  const cert =
    tls.clientCert ??
    (tls.clientCertFile
      ? await readPem(tls.clientCertFile, 'tls.clientCertFile (VAULT_CLIENT_CERT)')
      : undefined);
  const key =
    tls.clientKey ??
    (tls.clientKeyFile
      ? await readPem(tls.clientKeyFile, 'tls.clientKeyFile (VAULT_CLIENT_KEY)')
      : undefined);
  if (ca.length === 0 && !cert && !tls.serverName && !tls.skipVerify) return undefined;
  return {
    ...(ca.length > 0 ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
    rejectUnauthorized: !tls.skipVerify,
  };
}

/**
 * An undici Agent carrying the TLS settings, for code that makes its own requests (the doctor's
 * probes). Use it with undici's own `fetch` or `request` from this package, never with Node's
 * built-in fetch: that is another copy of undici, and the two need not agree on the dispatcher
 * interface. The client itself uses a Pool built from `tlsConnectOptions`.
 */
export async function createDispatcher(tls: ResolvedTls): Promise<import('undici').Agent> {
  const [connect, { Agent }] = await Promise.all([tlsConnectOptions(tls), import('undici')]);
  return new Agent(connect ? { connect } : {});
}

async function readPem(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new VaultConfigError(
      `could not read ${option} at ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; fix the path or the file's permissions`,
    );
  }
}

/** Like the Vault CLI with VAULT_CAPATH: every PEM file in the directory is trusted. */
async function readCaDirectory(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new VaultConfigError(
      `could not read tls.caPath (VAULT_CAPATH) directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const pems: string[] = [];
  for (const name of names.sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (text.includes('-----BEGIN CERTIFICATE-----')) pems.push(text);
  }
  if (pems.length === 0)
    throw new VaultConfigError(`tls.caPath (VAULT_CAPATH) directory ${dir} holds no PEM certificates`);
  return pems;
}
