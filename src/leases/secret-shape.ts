import type { Envelope } from '../http/vault-response';
import type { SecretKind } from '../types/secret';

export interface FetchedSecret {
  kind: SecretKind;
  /** The secret's own key/values: KV v2 unwrapped. */
  data: Record<string, unknown>;
  version: number | undefined;
  metadata: Record<string, unknown> | undefined;
  lease: { id: string; ttlMs: number; renewable: boolean } | undefined;
  fetchedAt: number;
  /** When the value stops being usable: lease end, certificate expiry, or Vault's next static rotation. */
  expiresAt: number | undefined;
  /** For certificates: the start of the lifetime the re-issue fraction counts from. */
  validFrom: number | undefined;
}

export function shapeSecret(path: string, envelope: Envelope, now: number): FetchedSecret {
  const raw = isRecord(envelope.data) ? envelope.data : {};
  const leaseId = envelope.lease_id ?? '';
  const lease = leaseId
    ? { id: leaseId, ttlMs: (envelope.lease_duration ?? 0) * 1000, renewable: envelope.renewable === true }
    : undefined;
  const base = { fetchedAt: now, version: undefined, metadata: undefined, lease, validFrom: undefined };

  const certificateExpiry =
    typeof raw.certificate === 'string' && typeof raw.expiration === 'number'
      ? raw.expiration * 1000
      : undefined;
  if (certificateExpiry !== undefined) {
    const leaseEnd = lease ? now + lease.ttlMs : Number.POSITIVE_INFINITY;
    return {
      ...base,
      kind: 'certificate',
      data: raw,
      expiresAt: Math.min(certificateExpiry, leaseEnd),
      validFrom: now,
    };
  }
  if (lease) return { ...base, kind: 'leased', data: raw, expiresAt: now + lease.ttlMs };
  if (isRecord(raw.metadata) && typeof raw.metadata.version === 'number' && 'data' in raw) {
    return {
      ...base,
      kind: 'kv-v2',
      data: isRecord(raw.data) ? raw.data : {},
      version: raw.metadata.version,
      metadata: raw.metadata,
      expiresAt: undefined,
    };
  }
  if (/(^|\/)static-creds\//.test(path) && typeof raw.ttl === 'number') {
    return { ...base, kind: 'static-credentials', data: raw, expiresAt: now + raw.ttl * 1000 };
  }
  return { ...base, kind: 'kv', data: raw, expiresAt: undefined };
}

/** `secret/data/myapp/config` → `secret/metadata/myapp/config`: where a KV v2 version is polled. */
export function kvMetadataPath(path: string): string | undefined {
  const at = path.indexOf('/data/');
  return at === -1 ? undefined : `${path.slice(0, at)}/metadata/${path.slice(at + '/data/'.length)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
