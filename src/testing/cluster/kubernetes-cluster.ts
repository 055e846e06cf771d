import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey, JWK, JWTPayload, KeyObject } from 'jose';
import {
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
} from 'jose';
import { type RunningApi, startKubernetesApi } from './kubernetes-api';
import { DISCOVERY_PATH, JWKS_PATH, type OidcEndpoints, serveIssuerDocuments } from './oidc-endpoints';

/** Kubernetes' default API-server audience and issuer for projected service-account tokens. */
export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The API server's names inside the cluster (the `kubernetes` Service in `default`). */
const IN_CLUSTER_HOSTS = new Set([
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
]);

/** Where an in-cluster URL really goes, and the CA its server certificate chains to. */
export interface InClusterTarget {
  url: string;
  caCertificate: string;
}

export interface ServiceAccountTokenOptions {
  namespace?: string;
  serviceAccount?: string;
  audiences?: string[];
  /** Lifetime in seconds (kubelet's default projected token lives an hour). */
  expiresIn?: number;
  /** Seconds from the clock's now; negative makes a token that was issued in the past. */
  issuedAtOffset?: number;
  podName?: string;
  /** The `iss` claim; the cluster's issuer (`https://kubernetes.default.svc.cluster.local`) by default. */
  issuer?: string;
  /** Sign with a key the cluster does not trust, to test signature failures. */
  foreignKey?: boolean;
}

export interface ReviewResult {
  authenticated: boolean;
  namespace?: string;
  name?: string;
  uid?: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey | KeyObject;
  publicKey: CryptoKey | KeyObject;
  publicKeyPem: string;
  jwk: JWK;
}

/**
 * The cluster side of Kubernetes auth: it mints projected service-account tokens signed with
 * its own key, answers what the TokenReview API would say about one, and publishes its
 * service-account issuer's discovery document and JWKS (KEP-1393), as a kubeadm cluster does:
 * the issuer is `https://kubernetes.default.svc.cluster.local`, the documents are served by the
 * API server, here a real listener on loopback.
 *
 * OIDC discovery requires the document's `issuer` to be the URL it was fetched from, so only a
 * client inside the cluster can use the issuer URL; the mock's Vault is such a client (`resolve`
 * maps the in-cluster names to the listener, behind the cluster CA), while a Vault outside uses
 * the JWKS URL or the public key, as HashiCorp's documentation says.
 */
export class KubernetesCluster {
  readonly #uids = new Map<string, string>();
  readonly #deleted = new Set<string>();
  readonly #withoutDelegation = new Set<string>();
  readonly #tempDirs: string[] = [];
  /** Every key the API server accepts; the last one signs. Rotation keeps the old ones published. */
  readonly #keys: SigningKey[] = [];
  #api: Promise<RunningApi> | undefined;

  private constructor(
    private readonly clock: { now(): number },
    private readonly foreign: SigningKey,
    private readonly endpoints: OidcEndpoints,
    /** PEM of the CA the API server's certificate chains to (`kubernetes_ca_cert`, `oidc_discovery_ca_pem`). */
    readonly caCertificate: string,
  ) {}

  static async create(clock: { now(): number }, caCertificate: string): Promise<KubernetesCluster> {
    // ES256: key generation takes well under a millisecond, RSA would take ~85 ms per mock.
    const [own, foreign] = await Promise.all([newSigningKey(), newSigningKey()]);
    let cluster: KubernetesCluster | undefined;
    const endpoints = await serveIssuerDocuments({
      discovery: () => cluster!.discoveryDocument(),
      jwks: () => cluster!.jwks(),
    });
    cluster = new KubernetesCluster(clock, foreign, endpoints, caCertificate);
    cluster.#keys.push(own);
    return cluster;
  }

  /** The `iss` of the tokens this cluster mints. */
  get issuer(): string {
    return DEFAULT_ISSUER;
  }

  /** The discovery document as the API server serves it (`kubectl get --raw /.well-known/openid-configuration`). */
  get discoveryUrl(): string {
    return `${this.endpoints.url}${DISCOVERY_PATH}`;
  }

  /** The JWKS the discovery document points at (`jwks_uri`), on the API server's own address. */
  get jwksUrl(): string {
    return `${this.endpoints.url}${JWKS_PATH}`;
  }

  /**
   * In-cluster DNS, for the mock's Vault: an `https://kubernetes.default.svc...` URL goes to the
   * listener, and only a client trusting the cluster CA may follow it. Any other URL is left alone.
   */
  resolve(url: URL): InClusterTarget | undefined {
    if (
      !IN_CLUSTER_HOSTS.has(url.hostname) ||
      url.protocol !== 'https:' ||
      (url.port !== '' && url.port !== '443')
    ) {
      return undefined;
    }
    return { url: `${this.endpoints.url}${url.pathname}${url.search}`, caCertificate: this.caCertificate };
  }

  /** The SPKI PEM of the current signing key, for `pem_keys` and `jwt_validation_pubkeys`. */
  get publicKeyPem(): string {
    return this.#signing().publicKeyPem;
  }

  /** kube-apiserver's document: issuer, JWKS URI, and the algorithms it signs with. */
  discoveryDocument(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksUrl,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    };
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: this.#keys.map((key) => ({ ...key.jwk })) };
  }

  /**
   * A new signing key, as after rotating `--service-account-signing-key-file`: new tokens carry
   * its key ID, and the old public keys stay published so that tokens already issued still verify.
   */
  async rotateSigningKey(): Promise<void> {
    this.#keys.push(await newSigningKey());
  }

  uidOf(namespace: string, name: string): string {
    const key = `${namespace}/${name}`;
    let uid = this.#uids.get(key);
    if (!uid) {
      uid = randomUUID();
      this.#uids.set(key, uid);
    }
    return uid;
  }

  /** A JWT shaped like the projected token kubelet mounts into a pod. */
  async mintToken(options: ServiceAccountTokenOptions = {}): Promise<string> {
    const namespace = options.namespace ?? 'default';
    const name = options.serviceAccount ?? 'default';
    const now = Math.floor(this.clock.now() / 1000) + (options.issuedAtOffset ?? 0);
    const podName = options.podName ?? `${name}-pod`;
    const key = options.foreignKey ? this.foreign : this.#signing();
    return new SignJWT({
      'kubernetes.io': {
        namespace,
        node: { name: 'mock-node', uid: randomUUID() },
        pod: { name: podName, uid: randomUUID() },
        serviceaccount: { name, uid: this.uidOf(namespace, name) },
        warnafter: now + 3607,
      },
    })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuer)
      .setSubject(`system:serviceaccount:${namespace}:${name}`)
      .setAudience(options.audiences ?? [DEFAULT_AUDIENCE])
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (options.expiresIn ?? 3600))
      .sign(key.privateKey);
  }

  /** Writes a minted token to a file, as kubelet does; returns the path. */
  async writeToken(options: ServiceAccountTokenOptions & { path?: string } = {}): Promise<string> {
    let path = options.path;
    if (!path) {
      const dir = await mkdtemp(join(tmpdir(), 'mock-vault-sa-'));
      this.#tempDirs.push(dir);
      path = join(dir, 'token');
    }
    await writeFile(path, await this.mintToken(options), { mode: 0o600 });
    return path;
  }

  deleteServiceAccount(namespace: string, name: string): void {
    this.#deleted.add(`${namespace}/${name}`);
  }

  /** The account loses its system:auth-delegator binding: TokenReviews made with its token are refused. */
  removeAuthDelegator(namespace: string, name: string): void {
    this.#withoutDelegation.add(`${namespace}/${name}`);
  }

  hasAuthDelegator(namespace: string, name: string): boolean {
    return !this.#withoutDelegation.has(`${namespace}/${name}`);
  }

  /**
   * Whether the API server lets this bearer token create a TokenReview. Only the binding is
   * judged, not the token's dates: a token_reviewer_jwt is usually a long-lived Secret token.
   */
  mayReview(reviewerJwt: string): boolean {
    try {
      const c = decodeJwt(reviewerJwt)['kubernetes.io'] as
        | { namespace?: string; serviceaccount?: { name?: string } }
        | undefined;
      return this.hasAuthDelegator(c?.namespace ?? '', c?.serviceaccount?.name ?? '');
    } catch {
      return false;
    }
  }

  /** The cluster's API server on loopback (started once, on first use). */
  startApi(): Promise<RunningApi> {
    this.#api ??= startKubernetesApi(this);
    return this.#api;
  }

  /** What the API server's TokenReview says: signed by this cluster, in date, account not deleted. */
  async review(jwt: string): Promise<ReviewResult> {
    let payload: JWTPayload;
    try {
      const kid = decodeProtectedHeader(jwt).kid;
      const key = this.#keys.find((candidate) => candidate.kid === kid);
      if (!key) return { authenticated: false };
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(jwt, key.publicKey)).payload));
    } catch {
      return { authenticated: false };
    }
    if (!inDate(payload, this.clock.now())) return { authenticated: false };
    const claims = payload['kubernetes.io'] as
      | { namespace?: string; serviceaccount?: { name?: string; uid?: string } }
      | undefined;
    const namespace = claims?.namespace;
    const name = claims?.serviceaccount?.name;
    if (!namespace || !name || this.#deleted.has(`${namespace}/${name}`)) return { authenticated: false };
    if (claims?.serviceaccount?.uid !== this.uidOf(namespace, name)) return { authenticated: false };
    return { authenticated: true, namespace, name, uid: claims.serviceaccount.uid };
  }

  async dispose(): Promise<void> {
    await this.endpoints.close();
    await (await this.#api)?.close();
    await Promise.all(this.#tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }

  #signing(): SigningKey {
    return this.#keys[this.#keys.length - 1]!;
  }
}

/**
 * An ES256 key pair with the key ID kube-apiserver derives: the unpadded base64url SHA-256 of
 * the public key's DER (pkg/serviceaccount/jwt.go keyIDFromPublicKey).
 */
async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicKeyPem = await exportSPKI(publicKey);
  const der = Buffer.from(publicKeyPem.replace(/-----[^-]+-----|\s+/g, ''), 'base64');
  const kid = createHash('sha256').update(der).digest('base64url');
  const jwk = { ...(await exportJWK(publicKey)), use: 'sig', kid, alg: 'ES256' };
  return { kid, privateKey, publicKey, publicKeyPem, jwk };
}

/**
 * The API server checks a service-account token's times with go-jose's Claims.Validate, which
 * allows a minute of clock skew either way (k8s pkg/serviceaccount/claims.go).
 */
function inDate(payload: JWTPayload, nowMs: number): boolean {
  const skew = 60_000;
  if (typeof payload.nbf === 'number' && nowMs + skew < payload.nbf * 1000) return false;
  if (typeof payload.exp === 'number' && nowMs - skew > payload.exp * 1000) return false;
  if (typeof payload.iat === 'number' && nowMs + skew < payload.iat * 1000) return false;
  return true;
}
