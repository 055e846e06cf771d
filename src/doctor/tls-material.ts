import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedTls } from '../options';

export interface TlsMaterial {
  ca: string[] | undefined;
  cert: string | undefined;
  key: string | undefined;
  serverName: string | undefined;
  skipVerify: boolean;
  /** Where the trusted CAs come from, for the report: `VAULT_CACERT=/etc/ca.pem`, `the system's CAs`. */
  caSource: string;
}

/**
 * The same TLS settings the client would use (VAULT_CACERT, VAULT_CAPATH, client certificate),
 * read for a raw handshake: the doctor wants the certificate Vault presents, which fetch hides.
 */
export async function loadTlsMaterial(tls: ResolvedTls): Promise<TlsMaterial> {
  const ca: string[] = [];
  const sources: string[] = [];
  if (tls.caCert) {
    ca.push(tls.caCert);
    sources.push('tls.caCert');
  }
  if (tls.caCertFile) {
    ca.push(await readText(tls.caCertFile, 'VAULT_CACERT'));
    sources.push(`VAULT_CACERT=${tls.caCertFile}`);
  }
  if (tls.caPath) {
    const names = await readdir(tls.caPath).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`could not read VAULT_CAPATH directory ${tls.caPath} (${error.code ?? 'error'})`);
    });
    for (const name of names.sort()) {
      const text = await readFile(join(tls.caPath, name), 'utf8').catch(() => '');
      if (text.includes('-----BEGIN CERTIFICATE-----')) ca.push(text);
    }
    sources.push(`VAULT_CAPATH=${tls.caPath}`);
  }
  const cert =
    tls.clientCert ??
    (tls.clientCertFile ? await readText(tls.clientCertFile, 'VAULT_CLIENT_CERT') : undefined);
  const key =
    tls.clientKey ?? (tls.clientKeyFile ? await readText(tls.clientKeyFile, 'VAULT_CLIENT_KEY') : undefined);
  return {
    ca: ca.length > 0 ? ca : undefined,
    cert,
    key,
    serverName: tls.serverName,
    skipVerify: tls.skipVerify,
    caSource: sources.length > 0 ? sources.join(' and ') : "the system's trusted CAs",
  };
}

async function readText(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `could not read ${variable} file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
