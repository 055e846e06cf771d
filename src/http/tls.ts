import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Agent } from 'undici';
import { VaultConfigError, VaultConnectionError, VaultTlsError } from '../errors';
import type { ResolvedTls } from '../options';

/**
 * The client's own undici dispatcher, carrying the TLS settings. Its own even with the defaults,
 * so that close() can end its connections: idle keep-alive sockets in the global dispatcher
 * would outlive the client. Built at the first request, because reading certificate files is
 * I/O and the constructor does none.
 */
export async function createDispatcher(tls: ResolvedTls): Promise<Agent> {
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
  // Loaded at the first request rather than at import: undici is most of the client's import time.
  const { Agent } = await import('undici');
  if (ca.length === 0 && !cert && !tls.serverName && !tls.skipVerify) return new Agent();
  return new Agent({
    connect: {
      ...(ca.length > 0 ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      ...(tls.serverName ? { servername: tls.serverName } : {}),
      rejectUnauthorized: !tls.skipVerify,
    },
  });
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

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * What fetch's `TypeError: fetch failed` means, from `cause.code`: a TLS error with the option
 * that fixes it, or a connection error. Returns the error and whether Vault was surely not reached.
 */
export function classifyNetworkError(
  error: unknown,
  context: { address: string; hasClientCert: boolean },
): { error: VaultConnectionError; failure: 'refused' | 'network' | 'tls' } {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code ?? 'UNKNOWN';
  const where = `Vault at ${context.address}`;
  if (UNTRUSTED.has(code)) {
    return tls(
      code,
      `${where} presented a certificate this client does not trust (${code})`,
      "set tls.caCert (PEM), tls.caCertFile or VAULT_CACERT (or tls.caPath / VAULT_CAPATH) to the CA that signed Vault's certificate",
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return tls(
      code,
      `${where} presented a certificate outside its validity period (${code})`,
      "renew Vault's certificate, or check this machine's clock",
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return tls(
      code,
      `${where} presented a certificate for another host name (${code})`,
      'use the host name on the certificate in the address, or set tls.serverName / VAULT_TLS_SERVER_NAME to it',
    );
  }
  if (
    code === 'EPROTO' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    /wrong version number/i.test(cause?.message ?? '')
  ) {
    return tls(
      code,
      `${where} does not speak TLS on that port (${code})`,
      'check whether the address should start with http:// or https://',
    );
  }
  if (/CERTIFICATE_REQUIRED|ALERT_BAD_CERTIFICATE|ALERT_UNKNOWN_CA/i.test(code)) {
    return tls(
      code,
      `${where} refused this client's certificate (${code})`,
      'Vault requires a client certificate it trusts: set tls.clientCert and tls.clientKey (or VAULT_CLIENT_CERT and VAULT_CLIENT_KEY)',
    );
  }
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH'
  ) {
    const what = code === 'ECONNREFUSED' ? 'refused the connection' : 'could not be found or reached';
    return {
      error: new VaultConnectionError(
        `${where} ${what} (${code}); check the address and that Vault is running`,
        code,
      ),
      failure: 'refused',
    };
  }
  const mtlsHint =
    context.address.startsWith('https:') &&
    !context.hasClientCert &&
    (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')
      ? '; if Vault requires client certificates, set tls.clientCert and tls.clientKey'
      : '';
  return {
    error: new VaultConnectionError(`the connection to ${where} failed (${code})${mtlsHint}`, code),
    failure: 'network',
  };
}

function tls(code: string, message: string, hint: string): { error: VaultTlsError; failure: 'tls' } {
  return { error: new VaultTlsError(`${message}: ${hint}`, code, hint), failure: 'tls' };
}
