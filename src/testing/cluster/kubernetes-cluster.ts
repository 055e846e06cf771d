import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey, JWTPayload, KeyObject } from 'jose';
import { compactVerify, decodeJwt, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { type RunningApi, startKubernetesApi } from './kubernetes-api';

/** Kubernetes' default API-server audience and issuer for projected service-account tokens. */
export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountTokenOptions {
  namespace?: string;
  serviceAccount?: string;
  audiences?: string[];
  /** Lifetime in seconds (kubelet's default projected token lives an hour). */
  expiresIn?: number;
  /** Seconds from the clock's now; negative makes a token that was issued in the past. */
  issuedAtOffset?: number;
  podName?: string;
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

/**
 * The cluster side of Kubernetes auth: it mints projected service-account tokens signed with
 * its own key, and answers what the TokenReview API would say about one.
 */
export class KubernetesCluster {
  readonly #uids = new Map<string, string>();
  readonly #deleted = new Set<string>();
  readonly #withoutDelegation = new Set<string>();
  readonly #tempDirs: string[] = [];
  #api: Promise<RunningApi> | undefined;

  private constructor(
    private readonly clock: { now(): number },
    private readonly privateKey: CryptoKey | KeyObject,
    private readonly foreignKey: CryptoKey | KeyObject,
    /** The SPKI PEM of the signing key, for `pem_keys` in `auth/kubernetes/config`. */
    readonly publicKeyPem: string,
    private readonly publicKey: CryptoKey | KeyObject,
  ) {}

  static async create(clock: { now(): number }): Promise<KubernetesCluster> {
    // ES256: key generation takes well under a millisecond, RSA would take ~85 ms per mock.
    const own = await generateKeyPair('ES256', { extractable: true });
    const foreign = await generateKeyPair('ES256');
    return new KubernetesCluster(
      clock,
      own.privateKey,
      foreign.privateKey,
      await exportSPKI(own.publicKey),
      own.publicKey,
    );
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
    return new SignJWT({
      'kubernetes.io': {
        namespace,
        node: { name: 'mock-node', uid: randomUUID() },
        pod: { name: podName, uid: randomUUID() },
        serviceaccount: { name, uid: this.uidOf(namespace, name) },
        warnafter: now + 3607,
      },
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'mock-cluster', typ: 'JWT' })
      .setIssuer(options.issuer ?? DEFAULT_ISSUER)
      .setSubject(`system:serviceaccount:${namespace}:${name}`)
      .setAudience(options.audiences ?? [DEFAULT_AUDIENCE])
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (options.expiresIn ?? 3600))
      .sign(options.foreignKey ? this.foreignKey : this.privateKey);
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
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(jwt, this.publicKey)).payload));
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
    await (await this.#api)?.close();
    await Promise.all(this.#tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
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
