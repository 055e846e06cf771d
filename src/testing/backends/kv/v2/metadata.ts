import { field } from '../../../core/fields';
import { goDurationString } from '../../../core/go-format';
import type { RouteInput } from '../../../core/routes';
import type { BackendRequest, BackendResult } from '../../../core/types';
import { badRequest } from '../../../core/vault-error';
import { mergePatch } from './data';
import { customMetadata, isObject } from './input';
import type { KeyMetadata, KvState } from './state';
import { customMetadataOut, emptyMetadata, goTime, isDeleted } from './state';

/** path_metadata.go's fields. */
export const METADATA_FIELDS = {
  path: field('string', 'Location of the secret.'),
  cas_required: field(
    'bool',
    'If true the key will require the cas parameter to be set on all write requests.',
  ),
  max_versions: field(
    'int',
    'The number of versions to keep. If not set, the backend’s configured max version is used.',
  ),
  delete_version_after: field('duration', 'The length of time before a version is deleted.'),
  custom_metadata: field(
    'map',
    'User-provided key-value pairs that are used to describe arbitrary and version-agnostic information about a secret.',
  ),
  exclude_deleted: field('bool', 'List only keys whose current version is not deleted.'),
} as const;

/** path_config.go's fields. */
export const CONFIG_FIELDS = {
  max_versions: field('int', 'The number of versions to keep for each key.'),
  cas_required: field('bool', 'If true, the backend will require the cas parameter to be set for each write'),
  delete_version_after: field('signedDuration', 'If set, the length of time before a version is deleted.'),
} as const;

/** path_delete.go, path_undelete.go and path_destroy.go's fields. */
export const VERSIONS_FIELDS = {
  path: field('string', 'Location of the secret.'),
  versions: field('commaIntSlice', 'The versions to act on.'),
} as const;

type MetadataInput = RouteInput<typeof METADATA_FIELDS>;

/** The settings a metadata write carries, each undefined when the request left it out. */
function settingsOf({ fields, has }: MetadataInput) {
  return {
    cas: has('cas_required') ? fields.cas_required : undefined,
    max: has('max_versions') ? fields.max_versions : undefined,
    after: has('delete_version_after') ? fields.delete_version_after : undefined,
    custom: has('custom_metadata') ? fields.custom_metadata : undefined,
  };
}

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
      delete_version_after: goDurationString(meta.deleteVersionAfter),
      max_versions: meta.maxVersions,
      oldest_version: meta.oldestVersion,
      updated_time: goTime(meta.updatedTime),
      versions,
    },
  };
}

export function writeMetadata(
  state: KvState,
  req: BackendRequest,
  input: MetadataInput,
  key: string,
): BackendResult | null {
  const { cas, max, after, custom } = settingsOf(input);
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
export function patchMetadata(state: KvState, input: MetadataInput, key: string): BackendResult | null {
  const { cas, max, after, custom } = settingsOf(input);
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
export function listMetadata(state: KvState, { fields }: MetadataInput, prefix: string): BackendResult {
  const excludeDeleted = fields.exclude_deleted;
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
      delete_version_after: goDurationString(deleteVersionAfter),
      max_versions: maxVersions,
    },
  };
}

export function writeConfig(state: KvState, { fields, has }: RouteInput<typeof CONFIG_FIELDS>): null {
  if (has('max_versions')) state.config.maxVersions = fields.max_versions >>> 0;
  if (has('cas_required')) state.config.casRequired = fields.cas_required;
  const after = fields.delete_version_after;
  // Negative disables delete_version_after everywhere (stored as -1s); zero clears the setting.
  if (has('delete_version_after')) state.config.deleteVersionAfter = after < 0 ? -1 : after;
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
  { fields }: RouteInput<typeof VERSIONS_FIELDS>,
  key: string,
  action: VersionAction,
): null {
  const versions = fields.versions;
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
