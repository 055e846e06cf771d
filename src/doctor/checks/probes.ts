import { type CheckResult, fail, pass } from '../check';
import type { ClusterVerdict } from './login-diagnosis';

export type FetchWith = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Is a Kubernetes auth method mounted at `auth/<mount>`? A login with no role answers 400
 * "missing role" from the plugin, while a path no auth method handles answers 403 "permission
 * denied": the same words as a refused TokenReview, which is why this is asked separately.
 */
export async function probeAuthMount(
  vault: string,
  mount: string,
  namespace: string | undefined,
  fetchWith: FetchWith,
  timeoutMs: number,
): Promise<{ result: CheckResult; mounted: boolean | undefined }> {
  const path = `auth/${mount}/login`;
  try {
    const res = await fetchWith(`${vault}/v1/${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(namespace ? { 'X-Vault-Namespace': namespace } : {}),
      },
      body: '{}',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const errors = ((await res.json().catch(() => ({}))) as { errors?: unknown }).errors;
    const said = Array.isArray(errors) ? errors.join('; ') : '';
    if (res.status === 400 && said.includes('missing role')) {
      return {
        result: pass('auth-mount', `an auth method answers at auth/${mount} as the Kubernetes one does`),
        mounted: true,
      };
    }
    if (res.status === 403 || res.status === 404) {
      return {
        result: fail(
          'auth-mount',
          `nothing handles auth/${mount}/login (${res.status} "${said}"): no auth method is mounted at auth/${mount}${namespace ? ` in namespace ${namespace}` : ''}`,
          `pass the right --mount (vault auth list), or enable it: vault auth enable -path=${mount} kubernetes`,
        ),
        mounted: false,
      };
    }
    return {
      result: pass('auth-mount', `auth/${mount}/login answers ${res.status} to an empty login ("${said}")`),
      mounted: undefined,
    };
  } catch (error) {
    return {
      result: fail(
        'auth-mount',
        `could not ask auth/${mount}/login: ${(error as Error).message}`,
        'see the address checks',
      ),
      mounted: undefined,
    };
  }
}

/**
 * Asks the Kubernetes API, with the pod's own token, whether it may create TokenReviews. A
 * SelfSubjectAccessReview needs nothing but a valid token (every authenticated user may ask it),
 * so the answer tells two things: 401 means the API server no longer accepts the token (the
 * service account was deleted or recreated); 201 carries whether this account could review.
 */
export async function probeCluster(
  apiServer: string,
  jwt: string,
  fetchWith: FetchWith,
  timeoutMs: number,
): Promise<{ result: CheckResult; verdict: ClusterVerdict }> {
  const url = `${apiServer.replace(/\/+$/, '')}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`;
  let res: Response;
  try {
    res = await fetchWith(url, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${jwt}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: { group: 'authentication.k8s.io', resource: 'tokenreviews', verb: 'create' },
        },
      }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const why = `${apiServer} did not answer (${cause ?? (error as Error).message})`;
    return {
      result: fail(
        'kubernetes-api',
        why,
        'run doctor inside the pod, or pass --kubernetes-host with a URL this machine reaches (its CA is read from ca.crt beside the token file)',
      ),
      verdict: { kind: 'unknown', why },
    };
  }
  if (res.status === 401) {
    return {
      result: fail(
        'kubernetes-api',
        `the Kubernetes API refuses this pod's token (401 Unauthorized): its service account was deleted, or deleted and recreated, since the token was issued`,
        'recreate the service account if it is gone and restart the pod so it gets a token for the current one',
      ),
      verdict: { kind: 'token-refused' },
    };
  }
  if (res.status === 200 || res.status === 201) {
    const body = (await res.json().catch(() => ({}))) as { status?: { allowed?: unknown } };
    const allowed = typeof body.status?.allowed === 'boolean' ? body.status.allowed : undefined;
    const may =
      allowed === undefined
        ? ''
        : allowed
          ? '; it may create TokenReviews'
          : '; it may not create TokenReviews (no system:auth-delegator)';
    return {
      result: pass('kubernetes-api', `the Kubernetes API accepts this pod's token${may}`),
      verdict: { kind: 'token-accepted', canCreateTokenReviews: allowed },
    };
  }
  const why = `${url} answered ${res.status}`;
  return {
    result: fail(
      'kubernetes-api',
      why,
      'check --kubernetes-host: it must be the API server of the cluster that issued the token',
    ),
    verdict: { kind: 'unknown', why },
  };
}
