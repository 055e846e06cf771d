import type { Transport } from '../http/transport';
import type { AuthBlock } from '../http/vault-response';
import { parseEnvelope } from '../http/vault-response';
import type { Redactor } from '../internal/redact';
import type { ResolvedAuth, ResolvedOptions } from '../options';
import type { CallOptions } from '../types/requests';
import { appRoleLogin } from './approle-login';
import { jwtLogin } from './jwt-login';
import { kubernetesLogin } from './kubernetes-login';
import { loadServiceAccountJwt } from './service-account-token';
import { readToken } from './token-source';
import type { TokenState } from './token-state';

/**
 * A new token (contract C4): a login (Kubernetes, JWT, AppRole), or, for a token the client was
 * given, what lookup-self says about it. Every credential read here is bounded by
 * `timeouts.requestMs`, so a login always settles. Returns the internal TokenState; the token
 * manager decides when to call this.
 */
export async function obtainToken(
  options: ResolvedOptions,
  transport: Transport,
  redactor: Redactor,
  generation: number,
  call?: CallOptions,
): Promise<TokenState> {
  const { auth, clock } = options;
  const loginCall = withNamespace(call, auth);
  if (auth.method === 'token') return adopt(options, auth, transport, redactor, generation, loginCall);
  // The token's time runs from when Vault issued it, no later than when we asked.
  let sentAt = clock.now();
  let block: AuthBlock;
  if (auth.method === 'approle') {
    block = await appRoleLogin(auth, {
      transport,
      redactor,
      clock,
      timeoutMs: options.timeouts.requestMs,
      call: loginCall,
      unwrapped: unwrappedFor(auth),
    });
  } else {
    // Read anew at every login: kubelet rotates projected tokens in place.
    const loaded = await loadServiceAccountJwt(auth, clock.now(), {
      clock,
      timeoutMs: options.timeouts.requestMs,
    });
    redactor.add(loaded.jwt);
    sentAt = clock.now();
    block =
      auth.method === 'jwt'
        ? await jwtLogin(transport, { mount: auth.mount, role: auth.role, loaded }, redactor, loginCall)
        : await kubernetesLogin(
            transport,
            { mount: auth.mount, role: auth.role, jwt: loaded.jwt, claims: loaded.claims },
            redactor,
            loginCall,
          );
  }
  redactor.add(block.client_token);
  const ttlMs = block.lease_duration * 1000;
  return {
    token: block.client_token,
    accessor: block.accessor,
    policies: block.policies ?? [],
    renewable: block.renewable,
    ttlMs,
    loginTtlMs: ttlMs,
    expiresAt: ttlMs > 0 ? sentAt + ttlMs : undefined,
    generation,
  };
}

/** Whether the client created its token by logging in (and so may revoke it, and logs in again). */
export function createsToken(auth: ResolvedAuth): boolean {
  return auth.method !== 'token';
}

/**
 * Whether obtaining the token again can give a different one: a login, or a token read from a
 * file or the Vault CLI (the Agent or `vault login` may have written a new one). A token given as
 * a value or in VAULT_TOKEN never changes.
 */
export function canObtainAgain(auth: ResolvedAuth): boolean {
  return auth.method !== 'token' || auth.source.kind !== 'value';
}

/** The login goes to the auth method's namespace when one is set; the call's own wins. */
function withNamespace(call: CallOptions | undefined, auth: ResolvedAuth): CallOptions | undefined {
  if (auth.method === 'token' || auth.namespace === undefined || call?.namespace !== undefined) return call;
  return { ...call, namespace: auth.namespace };
}

// A wrapping token can be unwrapped once: the secret id it held is kept for later logins, per
// client (the resolved auth object is the client's own), never in a module-wide cache.
const unwrappedSecretIds = new WeakMap<object, { secretId: string | undefined }>();
function unwrappedFor(auth: ResolvedAuth): { secretId: string | undefined } {
  let memory = unwrappedSecretIds.get(auth);
  if (!memory) {
    memory = { secretId: undefined };
    unwrappedSecretIds.set(auth, memory);
  }
  return memory;
}

/** A token the client did not create: lookup-self tells its TTL, so a renewable one is renewed like any. */
async function adopt(
  options: ResolvedOptions,
  auth: Extract<ResolvedAuth, { method: 'token' }>,
  transport: Transport,
  redactor: Redactor,
  generation: number,
  call: CallOptions | undefined,
): Promise<TokenState> {
  const { clock } = options;
  const found = await readToken(auth.source, { clock, timeoutMs: options.timeouts.requestMs });
  redactor.add(found.token);
  if (auth.source.kind !== 'value' || auth.source.from === 'VAULT_TOKEN') {
    // Which of the places a token can come from was used: never the token.
    options.logger.info({ source: found.source }, `using the token from ${found.source}`);
  }
  const sentAt = clock.now();
  const res = await transport.send({
    method: 'GET',
    path: 'auth/token/lookup-self',
    token: found.token,
    kind: 'read',
    ...(call ? { call } : {}),
  });
  const data = (parseEnvelope(res.body, { path: 'auth/token/lookup-self', status: res.status }).data ??
    {}) as Record<string, unknown>;
  const ttlMs = (typeof data.ttl === 'number' ? data.ttl : 0) * 1000;
  const creationMs = (typeof data.creation_ttl === 'number' ? data.creation_ttl : 0) * 1000;
  return {
    token: found.token,
    accessor: typeof data.accessor === 'string' ? data.accessor : '',
    policies: Array.isArray(data.policies)
      ? data.policies.filter((p): p is string => typeof p === 'string')
      : [],
    renewable: data.renewable === true,
    ttlMs,
    loginTtlMs: creationMs || ttlMs,
    expiresAt: ttlMs > 0 ? sentAt + ttlMs : undefined,
    generation,
  };
}
