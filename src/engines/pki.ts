import * as z from 'zod';
import { InvalidRequestError } from '../errors';
import type {
  PkiCertificateRequest,
  PkiIssuedCertificate,
  PkiSignedCertificate,
  PkiSignRequest,
} from '../types/engines';
import type { CallOptions } from '../types/requests';
import type { Secret, SecretListener, Subscription } from '../types/secret';
import { callOptions, type EngineClient, mountPath, segment } from './engine-client';
import { expectShape } from './response-shape';

const Signed = z.object({
  certificate: z.string(),
  issuing_ca: z.string(),
  ca_chain: z.array(z.string()).nullable().optional(),
  serial_number: z.string(),
  expiration: z.number(),
});
const Issued = Signed.extend({ private_key: z.string(), private_key_type: z.string() });

/**
 * Typed calls for a PKI mount (`vault.pki('pki')`): certificates from a role. `issue` has Vault
 * generate the key pair; `sign` signs the app's own CSR, so the private key never leaves the app.
 * `certificate` is the managed form: cached and re-issued before it expires, like `secret()`.
 */
export class PkiEngine {
  readonly mount: string;
  readonly #client: EngineClient;

  constructor(client: EngineClient, mount: string) {
    this.#client = client;
    this.mount = mountPath(mount, 'pki');
  }

  /**
   * A new certificate and private key from `role`. Not cached: each call issues one.
   * @example const cert = await vault.pki().issue('web', { commonName: 'api.example.com', ttl: '72h' });
   */
  async issue(
    role: string,
    request: PkiCertificateRequest,
    options: CallOptions = {},
  ): Promise<PkiIssuedCertificate> {
    const path = `${this.mount}/issue/${segment(role, 'pki role name')}`;
    const res = await this.#client.request({
      method: 'POST',
      path,
      body: certificateBody(request),
      ...callOptions(options),
    });
    const c = expectShape(Issued, res.data, path);
    return { ...signed(c), privateKey: c.private_key, privateKeyType: c.private_key_type };
  }

  /**
   * Signs a PEM certificate signing request with `role`'s constraints; the private key stays
   * with the app. Names come from the CSR unless the role says otherwise.
   * @throws InvalidRequestError before any request when `csr` is not a PEM certificate request.
   */
  async sign(
    role: string,
    csr: string,
    request: PkiSignRequest = {},
    options: CallOptions = {},
  ): Promise<PkiSignedCertificate> {
    const path = `${this.mount}/sign/${segment(role, 'pki role name')}`;
    // Vault would answer 400 "csr contains no data"; a wrong argument is refused without a round trip.
    if (typeof csr !== 'string' || !/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csr)) {
      throw new InvalidRequestError('pki sign: csr must be a PEM certificate request');
    }
    const res = await this.#client.request({
      method: 'POST',
      path,
      body: { ...certificateBody(request), csr },
      ...callOptions(options),
    });
    return signed(expectShape(Signed, res.data, path));
  }

  /**
   * The managed certificate: issued once, cached, re-issued at `secrets.certificateRenewAt` of its
   * lifetime (`secret:rotated`, reason `certificate-expiring`). The data is Vault's
   * (`certificate`, `private_key`, `ca_chain`, `serial_number`, `expiration`).
   */
  certificate(role: string, request: PkiCertificateRequest, options: CallOptions = {}): Promise<Secret> {
    return this.#client.secret(`${this.mount}/issue/${segment(role, 'pki role name')}`, {
      ...callOptions(options),
      body: certificateBody(request),
    });
  }

  /** The managed certificate now and at every re-issue: what a TLS server hooks its context to. */
  watchCertificate(
    role: string,
    request: PkiCertificateRequest,
    listener: SecretListener<Record<string, unknown>>,
    options: CallOptions = {},
  ): Subscription<Record<string, unknown>> {
    return this.#client.watch(`${this.mount}/issue/${segment(role, 'pki role name')}`, listener, {
      ...callOptions(options),
      body: certificateBody(request),
    });
  }
}

function certificateBody(request: PkiSignRequest): Record<string, unknown> {
  return {
    ...(request.commonName !== undefined ? { common_name: request.commonName } : {}),
    ...(request.altNames ? { alt_names: request.altNames.join(',') } : {}),
    ...(request.ipSans ? { ip_sans: request.ipSans.join(',') } : {}),
    ...(request.uriSans ? { uri_sans: request.uriSans.join(',') } : {}),
    ...(request.ttl !== undefined ? { ttl: request.ttl } : {}),
    ...(request.excludeCnFromSans !== undefined ? { exclude_cn_from_sans: request.excludeCnFromSans } : {}),
  };
}

function signed(c: z.output<typeof Signed>): PkiSignedCertificate {
  return {
    certificate: c.certificate,
    issuingCa: c.issuing_ca,
    caChain: c.ca_chain ?? [],
    serialNumber: c.serial_number,
    expiration: c.expiration * 1000,
  };
}
