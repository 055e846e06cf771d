import { field } from '../../../core/fields';
import type { RouteInput } from '../../../core/routes';
import type { BackendRequest, BackendResult } from '../../../core/types';
import { badRequest, VaultError } from '../../../core/vault-error';
import { checkCas, isObject } from './input';
import type { KvState } from './state';
import { isDeleted, versionMetadata } from './state';

/** path_data.go's fields. */
export const DATA_FIELDS = {
  path: field('string', 'Location of the secret.'),
  version: field('int', 'If provided during a read, the value at the version number will be returned'),
  options: field(
    'map',
    'Options for writing a KV entry. Set the "cas" value to use a Check-And-Set operation.',
  ),
  data: field('map', 'The contents of the data map will be stored and returned on read.'),
} as const;

/** path_subkeys.go's fields. */
export const SUBKEYS_FIELDS = {
  path: field('string', 'Location of the secret.'),
  version: field(
    'int',
    'Specifies which version to retrieve. If not provided, the current version will be used.',
  ),
  depth: field('int', 'Specifies the deepest nesting level to provide in the output; 0 means no limit.'),
} as const;

type DataInput = RouteInput<typeof DATA_FIELDS>;

/**
 * The plugin's RespondWithStatusCode(nil, req, 404): a 404 with no body at all, which is how a
 * patch of a missing key answers (not the `{"errors":[]}` of a plain read miss).
 */
const EMPTY_404: BackendResult = { status: 404, raw: { contentType: 'application/json', body: '' } };

/**
 * A read of one version (`asked`, or the current one when 0) answered as `{ [field]: view(data),
 * metadata }`; nothing when the key or that version does not exist. Deleted and destroyed versions
 * answer 404 with the whole body and a null `field`, so clients can tell them apart.
 */
function readVersion(
  state: KvState,
  key: string,
  asked: number,
  now: number,
  field: 'data' | 'subkeys',
  view: (data: unknown) => unknown,
): BackendResult | null {
  const meta = state.keys.get(key);
  if (!meta) return null;
  const version = asked > 0 ? asked : meta.currentVersion;
  const entry = meta.versions.get(version);
  if (!entry) return null;
  const metadata = versionMetadata(meta, version, entry);
  if (isDeleted(entry, now) || entry.destroyed) return { status: 404, data: { [field]: null, metadata } };
  return { data: { [field]: view(meta.data.get(version)), metadata } };
}

export function readData(
  state: KvState,
  req: BackendRequest,
  { fields }: DataInput,
  key: string,
): BackendResult | null {
  return readVersion(state, key, fields.version, req.now, 'data', (data) => structuredClone(data ?? null));
}

export function writeData(
  state: KvState,
  req: BackendRequest,
  { fields, has }: DataInput,
  key: string,
): BackendResult {
  if (!has('data')) throw badRequest('no data provided');
  const meta = state.metadataFor(key);
  checkCas(fields.options, state.config, meta);
  const entry = state.addVersion(meta, fields.data, req.now);
  return { data: versionMetadata(meta, meta.currentVersion, entry) };
}

export function patchData(
  state: KvState,
  req: BackendRequest,
  { fields, has }: DataInput,
  key: string,
): BackendResult {
  if (!has('data')) throw badRequest('no data provided');
  const meta = state.keys.get(key);
  if (!meta) return EMPTY_404;
  checkCas(fields.options, state.config, meta);
  const current = meta.versions.get(meta.currentVersion);
  if (!current) return EMPTY_404;
  if (isDeleted(current, req.now) || current.destroyed) {
    // Unlike a read, the patch handler's 404 body carries the version metadata flat in `data`.
    return { status: 404, data: versionMetadata(meta, meta.currentVersion, current) };
  }
  const existing = meta.data.get(meta.currentVersion);
  // framework.HandlePatchOperation refuses a nil resource with a plain error, which Vault wraps.
  if (existing === null || existing === undefined) throw VaultError.wrapped(500, 'resource does not exist');
  const patched = mergePatch(existing, fields.data);
  const entry = state.addVersion(meta, patched, req.now);
  return { data: versionMetadata(meta, meta.currentVersion, entry) };
}

/** Soft-deletes the latest version; a missing, destroyed or already deleted one is left alone. */
export function deleteLatest(state: KvState, req: BackendRequest, key: string): null {
  const meta = state.keys.get(key);
  const latest = meta?.versions.get(meta.currentVersion);
  if (!latest || latest.destroyed || isDeleted(latest, req.now)) return null;
  latest.deletionTime = req.now;
  return null;
}

export function readSubkeys(
  state: KvState,
  req: BackendRequest,
  { fields }: RouteInput<typeof SUBKEYS_FIELDS>,
  key: string,
): BackendResult | null {
  return readVersion(state, key, fields.version, req.now, 'subkeys', (data) =>
    isObject(data) ? stripValues(data, fields.depth, 1) : null,
  );
}

/**
 * Leaves (non-maps, empty maps, and maps at the depth limit) become null; 0 means no limit.
 * Mirrors removeValues in path_subkeys.go.
 */
function stripValues(
  input: Record<string, unknown>,
  maxDepth: number,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const next = depth + 1;
    const descend = isObject(value) && Object.keys(value).length > 0 && (maxDepth === 0 || next <= maxDepth);
    out[key] = descend ? stripValues(value as Record<string, unknown>, maxDepth, next) : null;
  }
  return out;
}

/** RFC 7386 JSON merge patch: objects merge key by key, null removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
