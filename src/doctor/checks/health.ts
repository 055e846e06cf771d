import { type CheckResult, fail, pass } from '../check';
import { duration } from '../format';

/** Vault's answer to `GET sys/health`, with the local times around it for the clock comparison. */
export type HealthProbe =
  | {
      kind: 'answer';
      status: number;
      body: unknown;
      date: string | null;
      location: string | null;
      sentAt: number;
      receivedAt: number;
    }
  | { kind: 'error'; message: string };

export async function probeHealth(
  address: string,
  fetchWith: (url: string, init: RequestInit) => Promise<Response>,
  now: () => number,
  timeoutMs: number,
): Promise<HealthProbe> {
  const sentAt = now();
  try {
    const res = await fetchWith(`${address}/v1/sys/health`, {
      method: 'GET',
      headers: { 'X-Vault-Request': 'true' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const receivedAt = now();
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return {
      kind: 'answer',
      status: res.status,
      body,
      date: res.headers.get('date'),
      location: res.headers.get('location'),
      sentAt,
      receivedAt,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    return {
      kind: 'error',
      message:
        name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message),
    };
  }
}

interface HealthBody {
  initialized?: boolean;
  sealed?: boolean;
  standby?: boolean;
  performance_standby?: boolean;
  version?: string;
}

/** Vault's sys/health body (http/sys_health.go HealthResponse) says `sealed` whatever the status. */
function isVaultHealth(body: unknown): body is HealthBody {
  return typeof body === 'object' && body !== null && typeof (body as HealthBody).sealed === 'boolean';
}

/**
 * `sys/health` by its status codes (Vault's http/sys_health.go): 200 active, 429 standby,
 * 472 DR secondary, 473 performance standby, 501 not initialised, 503 sealed.
 */
export function interpretHealth(probe: HealthProbe): CheckResult {
  if (probe.kind === 'error') {
    return fail(
      'health',
      `GET sys/health failed: ${probe.message}`,
      'see the checks above; if they passed, a proxy or mTLS requirement may be refusing this client (VAULT_CLIENT_CERT, VAULT_CLIENT_KEY)',
    );
  }
  if (probe.status >= 300 && probe.status < 400) {
    return fail(
      'health',
      `sys/health answered a redirect (${probe.status}) to ${probe.location ?? 'nowhere'}; the client never follows redirects (the token would go along)`,
      'point VAULT_ADDR at the active node or at a load balancer that forwards to it',
    );
  }
  const body = probe.body;
  if (!isVaultHealth(body)) {
    return fail(
      'health',
      `sys/health answered ${probe.status} with a body that is not Vault's: something else (a proxy, an ingress, another service) answers at this address`,
      'check VAULT_ADDR: it must reach Vault itself (scheme, host, port, and no path)',
    );
  }
  const version = body.version ? `Vault ${body.version}` : 'Vault';
  if (body.initialized === false || probe.status === 501) {
    return fail('health', `${version} is not initialised`, 'an operator must run `vault operator init`');
  }
  if (body.sealed || probe.status === 503) {
    return fail(
      'health',
      `${version} is sealed: it answers nothing but its status`,
      'an operator must unseal it (`vault operator unseal`), or auto-unseal must be fixed',
    );
  }
  if (probe.status === 472)
    return pass(
      'health',
      `${version}, a disaster-recovery secondary: it serves no client requests until promoted`,
    );
  if (body.performance_standby || probe.status === 473) {
    return pass(
      'health',
      `${version}, unsealed, a performance standby: reads are served locally, writes forwarded to the active node`,
    );
  }
  if (body.standby || probe.status === 429) {
    return pass('health', `${version}, unsealed, a standby node: requests are forwarded to the active node`);
  }
  return pass('health', `${version}, initialised, unsealed, active`);
}

/** Beyond this Vault refuses fresh JWTs ("issued in the future") and lease times read wrong. */
const SKEW_FAIL_MS = 60_000;

/**
 * This machine's clock against Vault's `Date` header. The header has one-second resolution and the
 * answer took some time, so the skew is measured against the middle of the request and only the
 * part beyond that uncertainty counts.
 */
export function interpretClockSkew(probe: HealthProbe): CheckResult | undefined {
  // A proxy's error page or another service has a Date header too, but it is not Vault's clock.
  if (probe.kind !== 'answer' || !probe.date || !isVaultHealth(probe.body)) return undefined;
  const vault = Date.parse(probe.date);
  if (Number.isNaN(vault)) return undefined;
  const local = (probe.sentAt + probe.receivedAt) / 2;
  const uncertainty = 1000 + (probe.receivedAt - probe.sentAt) / 2;
  const skew = vault - local;
  if (Math.abs(skew) <= uncertainty)
    return pass('clock-skew', "this machine's clock agrees with Vault's (within a second)");
  const direction = skew > 0 ? 'behind' : 'ahead of';
  const text = `this machine's clock is ${duration(Math.abs(skew))} ${direction} Vault's`;
  if (Math.abs(skew) >= SKEW_FAIL_MS) {
    return fail(
      'clock-skew',
      `${text}: beyond the 60 s Vault allows when it checks a service-account JWT's times, so logins can fail as "not yet valid" or "expired"`,
      'synchronise the clocks (NTP/chrony on the nodes of this pod and of Vault)',
    );
  }
  return pass('clock-skew', `${text}; tolerable (under 60 s), though expiry times in logs will look shifted`);
}
