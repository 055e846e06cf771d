import { CertificateAuthority } from './x509/certificates';

export interface MockTls {
  /** PEM of the CA that signed the mock's server certificate: what a client must trust. */
  readonly caCertificate: string;
  /** A client certificate from the same CA, for mTLS. */
  readonly clientCertificate: { certificate: string; privateKey: string };
  readonly server: { certificate: string; privateKey: string };
}

const DAY = 86_400_000;

/**
 * A fresh CA with a server certificate for the loopback names. TLS checks validity against the
 * real time, not the mock's clock, so these certificates are dated from the wall clock.
 */
export function createTlsMaterial(host: string): MockTls {
  const now = Date.now();
  const ca = CertificateAuthority.create({
    commonName: 'mock-vault CA',
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
  });
  const validity = { notBefore: new Date(now - DAY), notAfter: new Date(now + 90 * DAY) };
  const ips = [...new Set(['127.0.0.1', '::1', ...(/^[\d.:]+$/.test(host) ? [host] : [])])];
  const server = ca.issue({
    commonName: 'vault.mock',
    dnsNames: [...new Set(['localhost', 'vault.mock', ...(/^[\d.:]+$/.test(host) ? [] : [host])])],
    ipAddresses: ips,
    usage: 'server',
    ...validity,
  });
  const client = ca.issue({ commonName: 'vault-client', usage: 'client', ...validity });
  return {
    caCertificate: ca.certificate,
    server: { certificate: `${server.certificate}\n`, privateKey: server.privateKey },
    clientCertificate: { certificate: `${client.certificate}\n`, privateKey: client.privateKey },
  };
}
