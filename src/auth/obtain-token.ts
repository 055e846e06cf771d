import type { Transport } from '../http/transport';
import { parseEnvelope } from '../http/vault-response';
import type { Redactor } from '../internal/redact';
import { trackIo } from '../internal/tracking-clock';
import type { ResolvedOptions } from '../options';
import { kubernetesLogin } from './kubernetes-login';
import { loadServiceAccountJwt } from './service-account-token';
import type { TokenState } from './token-state';

/** A new token: a Kubernetes login, or, for a static token, what lookup-self says about it. */
export function obtainToken(
  options: ResolvedOptions,
  transport: Transport,
  redactor: Redactor,
  generation: number,
): Promise<TokenState> {
  return options.auth.method === 'kubernetes'
    ? kubernetes(options, transport, redactor, generation)
    : adoptStatic(options, transport, generation);
}

async function kubernetes(
  options: ResolvedOptions,
  transport: Transport,
  redactor: Redactor,
  generation: number,
): Promise<TokenState> {
  const { auth, clock } = options;
  if (auth.method !== 'kubernetes') throw new Error('unreachable');
  // Read anew at every login: kubelet rotates projected tokens in place.
  const loading = loadServiceAccountJwt(auth, clock.now());
  const { jwt, claims } = await trackIo(clock, loading);
  redactor.add(jwt);
  // The token's time runs from when Vault issued it, no later than when we asked.
  const sentAt = clock.now();
  const block = await kubernetesLogin(transport, { mount: auth.mount, role: auth.role, jwt, claims });
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

/** A static token has no login: lookup-self tells its TTL, so a renewable one is renewed like any other. */
async function adoptStatic(
  options: ResolvedOptions,
  transport: Transport,
  generation: number,
): Promise<TokenState> {
  const { auth, clock } = options;
  if (auth.method !== 'token') throw new Error('unreachable');
  const sentAt = clock.now();
  const res = await transport.send({
    method: 'GET',
    path: 'auth/token/lookup-self',
    token: auth.token,
    kind: 'read',
  });
  const data = (parseEnvelope(res.body, { path: 'auth/token/lookup-self', status: res.status }).data ??
    {}) as Record<string, unknown>;
  const ttlMs = (typeof data.ttl === 'number' ? data.ttl : 0) * 1000;
  const creationMs = (typeof data.creation_ttl === 'number' ? data.creation_ttl : 0) * 1000;
  return {
    token: auth.token,
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
