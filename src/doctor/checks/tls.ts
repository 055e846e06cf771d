import { connect, type PeerCertificate } from 'node:tls';
import { classifyNetworkError } from '../../http/network-errors';
import { type CheckResult, fail, pass } from '../check';
import { duration } from '../format';
import type { TlsMaterial } from '../tls-material';
import type { Endpoint } from './network';

export type Handshake =
  | {
      secure: true;
      authorized: boolean;
      authorizationError: string | undefined;
      certificate: CertificateView;
    }
  | { secure: false; code: string };

export interface CertificateView {
  subject: string;
  altNames: string;
  issuer: string;
  validTo: number;
}

/** One TLS handshake with the address, trusting what the client would trust. */
export function handshake(endpoint: Endpoint, material: TlsMaterial, timeoutMs: number): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      servername: material.serverName ?? (/^[\d.:]+$/.test(endpoint.host) ? undefined : endpoint.host),
      ...(material.ca ? { ca: material.ca } : {}),
      ...(material.cert && material.key ? { cert: material.cert, key: material.key } : {}),
      // Verified below, so that an untrusted certificate is still shown in the report.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ secure: false, code: 'TIMEOUT' });
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate();
      const authError = socket.authorizationError;
      socket.destroy();
      resolve({
        secure: true,
        authorized: socket.authorized,
        authorizationError: authError === null || authError === undefined ? undefined : codeOf(authError),
        certificate: view(peer),
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({
        secure: false,
        code:
          error.code ??
          (/wrong version number/i.test(error.message) ? 'ERR_SSL_WRONG_VERSION_NUMBER' : 'error'),
      });
    });
  });
}

function codeOf(error: Error | string): string {
  return typeof error === 'string' ? error : ((error as NodeJS.ErrnoException).code ?? error.message);
}

/** Certificate name fields repeat as arrays when a name has several values. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function view(peer: PeerCertificate): CertificateView {
  return {
    subject: first(peer.subject?.CN) ?? '(no common name)',
    altNames: peer.subjectaltname ?? '',
    issuer: first(peer.issuer?.CN) ?? first(peer.issuer?.O) ?? '(unknown issuer)',
    validTo: Date.parse(peer.valid_to),
  };
}

/**
 * What a handshake says about the address, both ways round: https:// against a plain-HTTP port
 * and http:// against a TLS port are the classic copy-paste mistakes.
 */
export function interpretHandshake(
  endpoint: Endpoint,
  result: Handshake,
  material: TlsMaterial,
  now: number,
): CheckResult {
  if (endpoint.protocol === 'http:') {
    if (result.secure) {
      return fail(
        'tls',
        `the address says http://, but ${endpoint.host}:${endpoint.port} speaks TLS (its certificate is for ${result.certificate.subject})`,
        `write the address as https://${endpoint.host}:${endpoint.port} (and set VAULT_CACERT to the CA that signed the certificate if it is private)`,
      );
    }
    const loopback = /^(localhost|127\.|::1$)/.test(endpoint.host);
    return pass(
      'tls',
      loopback
        ? 'plain HTTP on loopback (development)'
        : 'plain HTTP: the Vault token and secrets cross the network unencrypted; use https:// outside development',
    );
  }
  if (!result.secure) {
    const { error } = classifyNetworkError(
      { code: result.code },
      { address: endpoint.address, hasClientCert: material.cert !== undefined },
    );
    if (result.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || result.code === 'EPROTO') {
      return fail(
        'tls',
        `the address says https://, but ${endpoint.host}:${endpoint.port} does not speak TLS (${result.code}): it answers plain HTTP`,
        `write the address as http://${endpoint.host}:${endpoint.port} if that is really Vault (development only), or point it at Vault's TLS listener`,
      );
    }
    if (result.code === 'TIMEOUT') {
      return fail(
        'tls',
        `the TLS handshake with ${endpoint.host}:${endpoint.port} did not finish`,
        "check that the port is Vault's listener and not another service",
      );
    }
    return fail(
      'tls',
      error.message,
      'hint' in error ? String(error.hint) : "check the address and Vault's TLS listener",
    );
  }
  const cert = result.certificate;
  const expires = Number.isNaN(cert.validTo) ? '' : `, valid for ${duration(cert.validTo - now)} more`;
  const about = `certificate for ${cert.subject}${cert.altNames ? ` (${cert.altNames})` : ''} issued by ${cert.issuer}${expires}`;
  if (material.skipVerify) {
    return pass(
      'tls',
      `${about}; NOT verified (VAULT_SKIP_VERIFY): never in production, anyone on the path can read the token`,
    );
  }
  if (!result.authorized) {
    const { error } = classifyNetworkError(
      { code: result.authorizationError },
      { address: endpoint.address, hasClientCert: material.cert !== undefined },
    );
    return fail(
      'tls',
      `${about}, not trusted with ${material.caSource}: ${result.authorizationError}`,
      'hint' in error ? String(error.hint) : "set VAULT_CACERT to the CA that signed Vault's certificate",
    );
  }
  if (!Number.isNaN(cert.validTo) && cert.validTo <= now) {
    return fail(
      'tls',
      `${about}: it has expired`,
      "renew Vault's certificate, or check this machine's clock",
    );
  }
  return pass('tls', `${about}; trusted with ${material.caSource}`);
}
