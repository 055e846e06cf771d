import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the API server needs from the cluster: who a bearer token is, and who may review tokens. */
export interface ApiCluster {
  review(jwt: string): Promise<{ authenticated: boolean; namespace?: string; name?: string }>;
  hasAuthDelegator(namespace: string, name: string): boolean;
}

export interface RunningApi {
  /** `http://127.0.0.1:<port>`: what `--kubernetes-host` or KUBERNETES_SERVICE_HOST would point at. */
  readonly url: string;
  close(): Promise<void>;
}

const STATUS = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

/**
 * The slice of the Kubernetes API a pod uses to learn about itself: SelfSubjectAccessReview
 * (authorization.k8s.io/v1). Any authenticated user may create one (system:basic-user); a token
 * the cluster no longer accepts gets 401 with the API server's Status body.
 */
export async function startKubernetesApi(cluster: ApiCluster, host = '127.0.0.1'): Promise<RunningApi> {
  const server = createServer((req, res) => {
    void handle(cluster, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, STATUS(500, 'InternalError', 'internal error'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(cluster: ApiCluster, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const who = bearer ? await cluster.review(bearer) : { authenticated: false };
  if (!who.authenticated || !who.namespace || !who.name) {
    return send(res, 401, STATUS(401, 'Unauthorized', 'Unauthorized'));
  }
  if (req.method !== 'POST' || req.url !== '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
    return send(res, 404, STATUS(404, 'NotFound', 'the server could not find the requested resource'));
  }
  let review: { spec?: { resourceAttributes?: { group?: string; resource?: string; verb?: string } } };
  try {
    review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, 400, STATUS(400, 'BadRequest', 'the body of the request was in an unknown format'));
  }
  const attrs = review.spec?.resourceAttributes ?? {};
  // system:auth-delegator grants create on tokenreviews and subjectaccessreviews; nothing else is modelled.
  const delegated =
    attrs.group === 'authentication.k8s.io' && attrs.resource === 'tokenreviews' && attrs.verb === 'create';
  const allowed = delegated && cluster.hasAuthDelegator(who.namespace, who.name);
  send(res, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: review.spec ?? {},
    status: allowed
      ? {
          allowed: true,
          reason: `RBAC: allowed by ClusterRoleBinding "vault-token-reviewer" of ClusterRole "system:auth-delegator" to ServiceAccount "${who.name}/${who.namespace}"`,
        }
      : { allowed: false },
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
