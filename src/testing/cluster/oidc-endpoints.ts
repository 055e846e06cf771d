import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the API server publishes for service-account issuer discovery (KEP-1393). */
export interface IssuerDocuments {
  /** `/.well-known/openid-configuration`. */
  discovery(): Record<string, unknown>;
  /** `/openid/v1/jwks`. */
  jwks(): { keys: Record<string, unknown>[] };
}

export interface OidcEndpoints {
  /** `http://127.0.0.1:<port>`: the cluster's issuer, and where its documents are served. */
  readonly url: string;
  close(): Promise<void>;
}

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/**
 * The two unauthenticated documents a Kubernetes API server serves so that relying parties
 * (Vault's JWT auth method) can verify service-account tokens without calling TokenReview. A real
 * `node:http` listener on loopback, port 0, so Vault's side of the mock fetches them as Vault does.
 */
export async function serveIssuerDocuments(documents: IssuerDocuments): Promise<OidcEndpoints> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://cluster').pathname;
    const send = (status: number, contentType: string, body: unknown) => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
    // The content types kube-apiserver uses for these two documents.
    if (path === DISCOVERY_PATH) return send(200, 'application/json', documents.discovery());
    if (path === JWKS_PATH) return send(200, 'application/jwk-set+json', documents.jwks());
    return send(404, 'text/plain', '404 page not found\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
