import type { BackendRequest, BackendResult } from '../../core/types';
import { badRequest } from '../../core/vault-error';
import { mergePatch } from './data';
import { customMetadata, isObject, readFields } from './input';
import type { KeyMetadata, KvState } from './state';
import { customMetadataOut, emptyMetadata, goDuration, goTime, isDeleted } from './state';

const METADATA_FIELDS = {
  exclude_deleted: 'bool',
  cas_required: 'bool',
  max_versions: 'int',
  delete_version_after: 'duration',
  custom_metadata: 'map',
} as const;

const CAS_IGNORED =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';
const EMPTY_404: BackendResult = { status: 404, raw: { contentType: 'application/json', body: '' } };

export function readMetadata(state: KvState, key: string): BackendResult | null {
  const meta = state.keys.get(key);
  if (!meta) return null;
  const versions: Record<string, unknown> = {};
  for (const [version, entry] of meta.versions) {
    versions[String(version)] = {
      created_time: goTime(entry.createdTime),
      deletion_time: goTime(entry.deletionTime),
      destroyed: entry.destroyed,
    };
  }
  // Plugin v0.25+ (Vault 1.21+) also reports last_updated_by and per-version created_by/deleted_by;
  // the mock answers as the releases before it.
  return {
    data: {
      cas_required: meta.casRequired,
      created_time: goTime(meta.createdTime),
      current_version: meta.currentVersion,
      custom_metadata: customMetadataOut(meta),
      delete_version_after: goDuration(meta.deleteVersionAfter),
      max_versions: meta.maxVersions,
      oldest_version: meta.oldestVersion,
      updated_time: goTime(meta.updatedTime),
      versions,
    },
  };
}

export function writeMetadata(state: KvState, req: BackendRequest, key: string): BackendResult | null {
  const fields = readFields(req.data, METADATA_FIELDS);
  const {
    cas_required: cas,
    max_versions: max,
    delete_version_after: after,
    custom_metadata: custom,
  } = fields;
  // Nothing to set: the plugin answers 204 without creating the key.
  if (cas === undefined && max === undefined && after === undefined && custom === undefined) return null;
  const parsedCustom = custom === undefined ? undefined : customMetadata(custom ?? {}, false);
  const meta = state.keys.get(key) ?? emptyMetadata(key, req.now);
  // The key stores uint32: a negative max_versions wraps around, as in the plugin.
  if (max !== undefined) meta.maxVersions = max >>> 0;
  if (cas !== undefined) meta.casRequired = cas;
  if (after !== undefined) meta.deleteVersionAfter = after;
  if (parsedCustom !== undefined) meta.customMetadata = parsedCustom;
  state.keys.set(key, meta);
  return casWarning(state, cas);
}

/** JSON merge patch of the patchable settings; custom_metadata merges key by key (null removes). */
export function patchMetadata(state: KvState, req: BackendRequest, key: string): BackendResult | null {
  const fields = readFields(req.data, METADATA_FIELDS);
  const {
    cas_required: cas,
    max_versions: max,
    delete_version_after: after,
    custom_metadata: custom,
  } = fields;
  if (custom) customMetadata(custom, true);
  const meta = state.keys.get(key);
  if (!meta) return EMPTY_404;
  if (max !== undefined) meta.maxVersions = max >>> 0;
  if (cas !== undefined) meta.casRequired = cas;
  if (after !== undefined) meta.deleteVersionAfter = after;
  if (custom !== undefined) {
    const merged = mergePatch(meta.customMetadata ?? {}, custom);
    meta.customMetadata = isObject(merged)
      ? Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]))
      : null;
  }
  return casWarning(state, cas);
}

function casWarning(state: KvState, cas: boolean | undefined): BackendResult | null {
  if (cas === false && state.config.casRequired) return { data: null, warnings: [CAS_IGNORED] };
  return null;
}

/** Immediate children of a folder: keys, and `name/` for folders, with deleted keys still listed. */
export function listMetadata(state: KvState, req: BackendRequest, prefix: string): BackendResult {
  const { exclude_deleted: excludeDeleted } = readFields(req.data, METADATA_FIELDS);
  const keys = new Set<string>();
  for (const [key, meta] of state.keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash !== -1) {
      keys.add(rest.slice(0, slash + 1));
      continue;
    }
    // exclude_deleted hides a key whose current version has any deletion_time, even a future one.
    if (excludeDeleted && meta.versions.get(meta.currentVersion)?.deletionTime != null) continue;
    keys.add(rest);
  }
  // Vault lists in the order of the encrypted storage names, which is arbitrary; sorted is as good.
  return { data: { keys: [...keys].sort() } };
}

export function deleteMetadata(state: KvState, key: string): null {
  state.keys.delete(key);
  return null;
}

export function readConfig(state: KvState): BackendResult {
  const { maxVersions, casRequired, deleteVersionAfter } = state.config;
  return {
    data: {
      cas_required: casRequired,
      delete_version_after: goDuration(deleteVersionAfter),
      max_versions: maxVersions,
    },
  };
}

export function writeConfig(state: KvState, req: BackendRequest): null {
  const fields = readFields(req.data, {
    max_versions: 'int',
    cas_required: 'bool',
    delete_version_after: 'signedDuration',
  });
  if (fields.max_versions !== undefined) state.config.maxVersions = fields.max_versions >>> 0;
  if (fields.cas_required !== undefined) state.config.casRequired = fields.cas_required;
  const after = fields.delete_version_after;
  // Negative disables delete_version_after everywhere (stored as -1s); zero clears the setting.
  if (after !== undefined) state.config.deleteVersionAfter = after < 0 ? -1 : after;
  return null;
}

type VersionAction = 'delete' | 'undelete' | 'destroy';

/**
 * `delete/`, `undelete/` and `destroy/`. The plugin words the empty-versions error with a capital
 * N for delete and undelete (path_delete.go) and a lower-case n for destroy (path_destroy.go).
 */
export function changeVersions(
  state: KvState,
  req: BackendRequest,
  key: string,
  action: VersionAction,
): null {
  const versions = readFields(req.data, { versions: 'intSlice' }).versions ?? [];
  if (versions.length === 0) {
    throw badRequest(action === 'destroy' ? 'no version number provided' : 'No version number provided');
  }
  const meta = state.keys.get(key);
  if (!meta) return null;
  for (const version of versions) {
    const entry = meta.versions.get(version);
    if (!entry || entry.destroyed) continue;
    if (action === 'delete') {
      if (!isDeleted(entry, req.now)) entry.deletionTime = req.now;
    } else if (action === 'undelete') {
      entry.deletionTime = state.deletionTimeFrom(meta, req.now);
    } else {
      entry.destroyed = true;
    }
  }
  if (action === 'destroy') destroyData(meta, versions);
  return null;
}

function destroyData(meta: KeyMetadata, versions: number[]): void {
  for (const version of versions) meta.data.delete(version);
}
