import { X509Certificate } from 'node:crypto';
import { request as httpRequest, STATUS_CODES } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The plugin's outbound GETs (OIDC discovery documents and JWKS), made for real: the mock's
 * simulated cluster serves them on loopback, and a test that points Vault at a dead URL gets the
 * failure Vault would. Errors read like Go's net/http ones, since the plugin passes them on.
 */
export interface HttpAnswer {
  status: number;
  /** Go's resp.Status: "404 Not Found". */
  statusLine: string;
  contentType: string;
  body: string;
}

/**
 * Name resolution inside the simulated cluster: where an in-cluster URL really goes and the CA
 * its server certificate chains to. The mock's Vault runs "in" the cluster.
 */
export type Resolver = (url: URL) => { url: string; caCertificate: string } | undefined;

/** Discovery documents and key sets are small; a larger answer is a misconfigured URL. */
const MAX_BODY_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;

/** createCAContext: the PEM must hold at least one certificate Go's cert pool accepts. */
export function parseCaPem(pem: string): string[] | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const good = blocks.filter((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
  return good.length > 0 ? good : undefined;
}

export function httpGet(url: string, caPem = '', resolver?: Resolver): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`Get ${JSON.stringify(url)}: unsupported protocol scheme ""`));
      return;
    }
    const inCluster = resolver?.(target);
    if (inCluster) {
      // The API server's certificate is the cluster CA's: a client must have been given that CA.
      const trusted = (parseCaPem(caPem) ?? []).some((pem) => samePem(pem, inCluster.caCertificate));
      if (!trusted) {
        reject(
          new Error(
            `Get ${JSON.stringify(url)}: tls: failed to verify certificate: x509: certificate signed by unknown authority`,
          ),
        );
        return;
      }
      httpGet(inCluster.url).then(resolve, reject);
      return;
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      reject(
        new Error(
          `Get ${JSON.stringify(url)}: unsupported protocol scheme "${target.protocol.slice(0, -1)}"`,
        ),
      );
      return;
    }
    const ca = caPem ? parseCaPem(caPem) : undefined;
    const send = secure ? httpsRequest : httpRequest;
    const req = send(target, { method: 'GET', timeout: TIMEOUT_MS, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          res.destroy(new Error('http: response body too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error) => reject(goError(url, target, error)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({
          status,
          statusLine: `${status} ${STATUS_CODES[status] ?? ''}`.trim(),
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', (error) => reject(goError(url, target, error)));
    req.end();
  });
}

function samePem(a: string, b: string): boolean {
  const body = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, '');
  return body(a) === body(b);
}

function goError(url: string, target: URL, error: NodeJS.ErrnoException): Error {
  const host = `${target.hostname}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
  const detail =
    error.code === 'ECONNREFUSED'
      ? `dial tcp ${host}: connect: connection refused`
      : error.code === 'ENOTFOUND'
        ? `dial tcp: lookup ${target.hostname}: no such host`
        : error.message;
  return new Error(`Get ${JSON.stringify(url)}: ${detail}`);
}

/**
 * unmarshalResp (cap and go-oidc alike): JSON whatever the content type, and when it does not
 * parse, an error that names the content type the server claimed.
 */
export function decodeJson(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch (error) {
    const reason = (error as Error).message;
    const type = answer.contentType.split(';')[0]!.trim();
    if (type === 'application/json') {
      throw new Error(`got Content-Type = application/json, but could not unmarshal as JSON: ${reason}`);
    }
    throw new Error(`expected Content-Type = application/json, got ${JSON.stringify(type)}: ${reason}`);
  }
}
