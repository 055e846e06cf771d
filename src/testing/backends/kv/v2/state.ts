import { rfc3339 } from '../../../core/go-format';

/** What the plugin keeps per version in the key's metadata entry. */
export interface VersionEntry {
  createdTime: number;
  /** Epoch ms; a version reads as deleted once this is not in the future. */
  deletionTime: number | null;
  destroyed: boolean;
}

/** The plugin's KeyMetadata record; version data lives beside it, as in separate storage entries. */
export interface KeyMetadata {
  key: string;
  versions: Map<number, VersionEntry>;
  data: Map<number, unknown>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: number | null;
  updatedTime: number | null;
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 means unset. */
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
}

export interface KvConfig {
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 unset, -1 disables delete_version_after for every key (any negative input stores -1s). */
  deleteVersionAfter: number;
}

/** The plugin's default when neither the key nor the mount config sets max_versions. */
const DEFAULT_MAX_VERSIONS = 10;

export class KvState {
  readonly keys = new Map<string, KeyMetadata>();
  readonly config: KvConfig = { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };

  /** A key's metadata for a write, not yet stored: callers store it only once the write passes its checks. */
  metadataFor(key: string): KeyMetadata {
    return this.keys.get(key) ?? emptyMetadata(key, null);
  }

  /**
   * Adds a version and trims the oldest ones past max_versions. The plugin takes the larger of
   * the key's and the mount's max_versions (not the key's alone), falling back to 10.
   */
  addVersion(meta: KeyMetadata, data: unknown, now: number): VersionEntry {
    const entry: VersionEntry = {
      createdTime: now,
      deletionTime: this.deletionTimeFrom(meta, now),
      destroyed: false,
    };
    meta.currentVersion++;
    meta.versions.set(meta.currentVersion, entry);
    meta.data.set(meta.currentVersion, structuredClone(data));
    meta.updatedTime = now;
    meta.createdTime ??= now;
    const max = Math.max(meta.maxVersions, this.config.maxVersions) || DEFAULT_MAX_VERSIONS;
    if (meta.currentVersion - meta.oldestVersion >= max) {
      const last = meta.currentVersion - max;
      for (let v = meta.oldestVersion; v <= last; v++) {
        meta.versions.delete(v);
        meta.data.delete(v);
      }
      meta.oldestVersion = last + 1;
    }
    this.keys.set(meta.key, meta);
    return entry;
  }

  /** When a version written or undeleted at `from` gets deleted: the smaller non-zero setting wins. */
  deletionTimeFrom(meta: KeyMetadata, from: number): number | null {
    const mount = this.config.deleteVersionAfter;
    if (mount < 0) return null;
    const key = meta.deleteVersionAfter;
    if (mount === 0 && key === 0) return null;
    const after = key === 0 ? mount : mount === 0 ? key : Math.min(key, mount);
    return from + after * 1000;
  }
}

export function emptyMetadata(key: string, now: number | null): KeyMetadata {
  return {
    key,
    versions: new Map(),
    data: new Map(),
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: now,
    updatedTime: now,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
  };
}

/**
 * The plugin compares deletion_time with the wall clock, which has always moved on by the next
 * request; with the mock's manual clock a delete and a read can share an instant, so equal counts
 * as deleted.
 */
export function isDeleted(entry: VersionEntry, now: number): boolean {
  return entry.deletionTime !== null && entry.deletionTime <= now;
}

/** The version metadata block of data reads, writes and subkeys. */
export function versionMetadata(
  meta: KeyMetadata,
  version: number,
  entry: VersionEntry,
): Record<string, unknown> {
  return {
    created_time: goTime(entry.createdTime),
    custom_metadata: customMetadataOut(meta),
    deletion_time: goTime(entry.deletionTime),
    destroyed: entry.destroyed,
    version,
  };
}

/** Stored as protobuf, an empty map comes back as nil: Vault prints `null` for it. */
export function customMetadataOut(meta: KeyMetadata): Record<string, string> | null {
  const custom = meta.customMetadata;
  return custom && Object.keys(custom).length > 0 ? { ...custom } : null;
}

/** A version's or key's timestamp as the plugin prints it (ptypes.TimestampString); "" for none. */
export function goTime(ms: number | null): string {
  return ms === null ? '' : rfc3339(ms);
}
