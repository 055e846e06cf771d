import { type Answer, json, type Received } from './support';

/**
 * A healthy Vault's answers to every call the response scenarios make: the templates the
 * arbitraries in answer-arbitraries.ts bend, and what the calls around the bent one get.
 */

export const TOKEN = 'hvs.PROPERTYtestTOKEN0123456789abcdef';
export const START = Date.UTC(2026, 0, 1);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const JWT = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({
  iss: 'kubernetes/serviceaccount',
  aud: ['vault'],
  exp: START / 1000 + 365 * 86400,
  'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'myapp-sa', uid: 'u-1' } },
})}.c2lnbmF0dXJl`;

export type Target =
  | 'login'
  | 'lookup-self'
  | 'renew-self'
  | 'read'
  | 'list'
  | 'secret-kv'
  | 'secret-creds'
  | 'lease-renew';

/** Which request a target's generated answer replaces; everything else gets a good answer. */
export function isTarget(target: Target, req: Received): boolean {
  const list = req.rawUrl.includes('list=true');
  switch (target) {
    case 'login':
      return req.path === 'auth/kubernetes/login';
    case 'lookup-self':
      return req.path === 'auth/token/lookup-self';
    case 'renew-self':
      return req.path === 'auth/token/renew-self';
    case 'read':
    case 'secret-kv':
      return req.path === 'secret/data/app';
    case 'list':
      return req.path === 'secret/metadata/' && list;
    case 'secret-creds':
      return req.path === 'database/creds/app';
    case 'lease-renew':
      return req.path === 'sys/leases/renew';
  }
}

export const authBlock = (ttl: number) => ({
  client_token: TOKEN,
  accessor: 'accessor-1',
  policies: ['default', 'app'],
  token_policies: ['default', 'app'],
  metadata: { role: 'myapp-role', service_account_name: 'myapp-sa' },
  lease_duration: ttl,
  renewable: true,
  entity_id: 'entity-1',
  token_type: 'service',
  orphan: true,
});
const envelope = (fields: Record<string, unknown>) => ({
  request_id: 'req-1',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: null,
  wrap_info: null,
  warnings: null,
  auth: null,
  mount_type: '',
  ...fields,
});
const kvV2 = () => envelope({ data: { data: { password: 'pw-1' }, metadata: { version: 1 } } });
let leases = 0;
const creds = () =>
  envelope({
    lease_id: `database/creds/app/L${++leases}`,
    lease_duration: 60,
    renewable: true,
    data: { username: 'u', password: 'p' },
  });
/** What Vault grants a renewal: the increment asked for, or the default TTL when that is 0. */
const increment = (body: string) => {
  const value = (JSON.parse(body || '{}') as { increment?: unknown }).increment;
  return Number.parseInt(String(value ?? '60'), 10) || 60;
};

/** The template a target's answer is bent from: what a healthy Vault would have said. */
export function goodBody(target: Target): Record<string, unknown> {
  switch (target) {
    case 'login':
    case 'renew-self':
      return envelope({ auth: authBlock(60) });
    case 'lookup-self':
      return envelope({ data: { accessor: 'accessor-1', policies: ['root'], ttl: 0, renewable: false } });
    case 'read':
    case 'secret-kv':
      return kvV2();
    case 'list':
      return envelope({ data: { keys: ['app', 'dir/'] } });
    case 'secret-creds':
      return creds();
    case 'lease-renew':
      return envelope({ lease_id: 'database/creds/app/L1', lease_duration: 60, renewable: true });
  }
}

/** A healthy Vault's answer to every call a scenario makes besides the target. */
export function healthy(req: Received): Answer {
  const ok = (body: unknown): Answer => ({ status: 200, body: json(body) });
  switch (req.path) {
    case 'auth/kubernetes/login':
      return ok(envelope({ auth: authBlock(60) }));
    case 'auth/token/renew-self':
      return ok(envelope({ auth: authBlock(increment(req.body)) }));
    case 'auth/token/lookup-self':
      return ok(goodBody('lookup-self'));
    case 'secret/data/app':
      return ok(kvV2());
    case 'secret/metadata/app':
      return ok(envelope({ data: { current_version: 1 } }));
    case 'database/creds/app':
      return ok(creds());
    case 'sys/leases/renew':
      return ok(envelope({ lease_id: 'x', lease_duration: increment(req.body), renewable: true }));
    default:
      return { status: 204 };
  }
}
