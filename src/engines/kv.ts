import * as z from 'zod';
import { InvalidRequestError, VaultClientError, VaultConfigError, VaultNotFoundError } from '../errors';
import type { KvEntry, KvMetadata, KvMetadataUpdate, KvVersion, KvVersionMetadata } from '../types/engines';
import type { CallOptions } from '../types/requests';
import type { Secret, SecretListener, Subscription } from '../types/secret';
import { callOptions, type EngineClient, keyPath, mountPath } from './engine-client';
import { expectShape } from './response-shape';

const VersionMetadata = z.object({
  version: z.number(),
  created_time: z.string(),
  deletion_time: z.string(),
  destroyed: z.boolean(),
  custom_metadata: z.record(z.string(), z.string()).nullable().optional(),
});

const Entry = z.object({
  data: z.record(z.string(), z.unknown()).nullable(),
  metadata: VersionMetadata,
});

const Metadata = z.object({
  cas_required: z.boolean(),
  created_time: z.string(),
  current_version: z.number(),
  custom_metadata: z.record(z.string(), z.string()).nullable(),
  delete_version_after: z.string(),
  max_versions: z.number(),
  oldest_version: z.number(),
  updated_time: z.string(),
  versions: z.record(
    z.string(),
    z.object({ created_time: z.string(), deletion_time: z.string(), destroyed: z.boolean() }),
  ),
});

const MountInfo = z.object({
  type: z.string(),
  options: z.record(z.string(), z.unknown()).nullable().optional(),
});

/**
 * Typed calls for a key/value mount (`vault.kv('secret')`). Version 2 is versioned: reads of a
 * version, check-and-set writes, patches, metadata, soft delete, undelete and destroy. Version 1
 * keeps one value per path; the version-only calls refuse a v1 mount with InvalidRequestError.
 *
 * The version is chosen (`vault.kv('kv', { version: 1 })`) or detected at the first call from
 * `sys/internal/ui/mounts/<mount>` (what the vault CLI reads; any token with access to the mount
 * may read it), else `sys/mounts/<mount>`.
 */
export class KvEngine {
  readonly mount: string;
  readonly #client: EngineClient;
  #version: Promise<1 | 2> | undefined;

  constructor(client: EngineClient, mount: string, options: { version?: 1 | 2 | undefined } = {}) {
    this.#client = client;
    this.mount = mountPath(mount, 'kv');
    if (options.version !== undefined) {
      if (options.version !== 1 && options.version !== 2)
        throw new VaultConfigError(`kv: version must be 1 or 2, got ${String(options.version)}`);
      this.#version = Promise.resolve(options.version);
    }
  }

  /**
   * The mount's KV version, chosen or detected once (a failed detection is tried again next time).
   * @throws VaultConfigError when neither detection path is readable with the client's token.
   */
  version(options?: CallOptions): Promise<1 | 2> {
    this.#version ??= this.#detect(options).catch((error: unknown) => {
      this.#version = undefined;
      throw error;
    });
    return this.#version;
  }

  /**
   * A key's data, the latest version or `version`. On v1, `metadata` is undefined.
   * @throws VaultNotFoundError when the key (or that version) does not exist, or is deleted or destroyed.
   * @example const { data, metadata } = await vault.kv('secret').get<{ api_url: string }>('myapp/config');
   */
  async get<T extends Record<string, unknown> = Record<string, unknown>>(
    path: string,
    options: CallOptions & { version?: number | undefined } = {},
  ): Promise<KvEntry<T>> {
    const key = keyPath(path);
    if ((await this.version(options)) === 1) {
      if (options.version !== undefined) throw this.#v1Refuses('get({ version })');
      const res = await this.#client.request({
        method: 'GET',
        path: `${this.mount}/${key}`,
        ...callOptions(options),
      });
      return { data: res.data as T, metadata: undefined };
    }
    const apiPath = `${this.mount}/data/${key}`;
    const res = await this.#client.request({
      method: 'GET',
      path: apiPath,
      ...(options.version !== undefined ? { query: { version: options.version } } : {}),
      ...callOptions(options),
    });
    const entry = expectShape(Entry, res.data, apiPath);
    // Vault answers a deleted version with 404 and its metadata; an older Vault with 200 and null data.
    if (entry.data === null)
      throw new VaultNotFoundError(
        `No data at ${apiPath}: version ${entry.metadata.version} is deleted or destroyed.`,
        {
          status: 200,
          method: 'GET',
          path: apiPath,
          errors: [],
          reasons: [],
        },
      );
    return { data: entry.data as T, metadata: versionMetadata(entry.metadata) };
  }

  /**
   * Writes a new version. With `cas`, only if the current version is `cas` (0: only if the key
   * does not exist). Returns the new version's metadata; undefined on v1.
   * @throws VaultBadRequestError when `cas` does not match ("check-and-set parameter did not match").
   */
  async put(
    path: string,
    data: Record<string, unknown>,
    options: CallOptions & { cas?: number | undefined } = {},
  ): Promise<KvVersionMetadata | undefined> {
    const key = keyPath(path);
    if ((await this.version(options)) === 1) {
      if (options.cas !== undefined) throw this.#v1Refuses('put({ cas })');
      await this.#client.request({
        method: 'POST',
        path: `${this.mount}/${key}`,
        body: data,
        idempotent: true,
        ...callOptions(options),
      });
      return undefined;
    }
    return this.#writeVersion('POST', key, data, options);
  }

  /**
   * Merges `data` into the latest version as a new version (JSON merge patch: a `null` removes a
   * key). KV v2 only.
   * @throws VaultNotFoundError when the key does not exist.
   */
  async patch(
    path: string,
    data: Record<string, unknown>,
    options: CallOptions & { cas?: number | undefined } = {},
  ): Promise<KvVersionMetadata> {
    await this.#requireV2('patch', options);
    return this.#writeVersion('PATCH', keyPath(path), data, options);
  }

  /** A key's metadata: versions, current and oldest version, settings. KV v2 only. */
  async readMetadata(path: string, options: CallOptions = {}): Promise<KvMetadata> {
    await this.#requireV2('readMetadata', options);
    const apiPath = `${this.mount}/metadata/${keyPath(path)}`;
    const res = await this.#client.request({ method: 'GET', path: apiPath, ...callOptions(options) });
    const m = expectShape(Metadata, res.data, apiPath);
    return {
      casRequired: m.cas_required,
      createdTime: m.created_time,
      currentVersion: m.current_version,
      customMetadata: m.custom_metadata ?? {},
      deleteVersionAfter: m.delete_version_after,
      maxVersions: m.max_versions,
      oldestVersion: m.oldest_version,
      updatedTime: m.updated_time,
      versions: Object.entries(m.versions)
        .map(([version, v]) => ({
          version: Number(version),
          createdTime: v.created_time,
          deletionTime: v.deletion_time,
          destroyed: v.destroyed,
        }))
        .sort((a, b) => a.version - b.version),
    };
  }

  /** Every version of a key, oldest first, with whether it is deleted or destroyed. KV v2 only. */
  async versions(path: string, options: CallOptions = {}): Promise<KvVersion[]> {
    return (await this.readMetadata(path, options)).versions;
  }

  /** Sets a key's metadata (creating it if needed); fields left out keep their value. KV v2 only. */
  async writeMetadata(path: string, update: KvMetadataUpdate, options: CallOptions = {}): Promise<void> {
    await this.#requireV2('writeMetadata', options);
    const body: Record<string, unknown> = {};
    if (update.maxVersions !== undefined) body.max_versions = update.maxVersions;
    if (update.casRequired !== undefined) body.cas_required = update.casRequired;
    if (update.deleteVersionAfter !== undefined) body.delete_version_after = update.deleteVersionAfter;
    if (update.customMetadata !== undefined) body.custom_metadata = update.customMetadata;
    await this.#client.request({
      method: 'POST',
      path: `${this.mount}/metadata/${keyPath(path)}`,
      body,
      idempotent: true,
      ...callOptions(options),
    });
  }

  /**
   * Deletes a key. On v2 a soft delete, undoable with `undelete`: the latest version, or the
   * given `versions`. On v1 the value is gone.
   */
  async delete(path: string, options: CallOptions & { versions?: number[] | undefined } = {}): Promise<void> {
    const key = keyPath(path);
    const version = await this.version(options);
    if (version === 1 || options.versions === undefined) {
      if (version === 1 && options.versions !== undefined) throw this.#v1Refuses('delete({ versions })');
      await this.#client.request({
        method: 'DELETE',
        path: version === 1 ? `${this.mount}/${key}` : `${this.mount}/data/${key}`,
        ...callOptions(options),
      });
      return;
    }
    await this.#versionsCall('delete', key, options.versions, options);
  }

  /** Restores soft-deleted versions. KV v2 only. */
  async undelete(path: string, versions: number[], options: CallOptions = {}): Promise<void> {
    await this.#requireV2('undelete', options);
    await this.#versionsCall('undelete', keyPath(path), versions, options);
  }

  /** Destroys versions for good (their data cannot be undeleted). KV v2 only. */
  async destroy(path: string, versions: number[], options: CallOptions = {}): Promise<void> {
    await this.#requireV2('destroy', options);
    await this.#versionsCall('destroy', keyPath(path), versions, options);
  }

  /** Deletes a key's metadata and every version of it, for good. KV v2 only. */
  async deleteMetadata(path: string, options: CallOptions = {}): Promise<void> {
    await this.#requireV2('deleteMetadata', options);
    await this.#client.request({
      method: 'DELETE',
      path: `${this.mount}/metadata/${keyPath(path)}`,
      ...callOptions(options),
    });
  }

  /** The keys under a folder (sub-folders end with `/`); empty when there are none. */
  async list(folder = '', options: CallOptions = {}): Promise<string[]> {
    const inner = folder.replace(/^\/+|\/+$/g, '');
    const base = (await this.version(options)) === 1 ? this.mount : `${this.mount}/metadata`;
    return this.#client.list(inner === '' ? base : `${base}/${inner}`, callOptions(options));
  }

  /**
   * The key as a managed secret: cached, and noticed when a new version is written (the client
   * polls the metadata). The same as `vault.secret('<mount>/data/<path>')` on v2.
   */
  async secret(path: string, options: CallOptions = {}): Promise<Secret> {
    return this.#client.secret(await this.#managedPath(path, options), callOptions(options));
  }

  /** The key's value now and every new version after, like `vault.watch()`. Resolves once subscribed. */
  async watch(
    path: string,
    listener: SecretListener<Record<string, unknown>>,
    options: CallOptions = {},
  ): Promise<Subscription<Record<string, unknown>>> {
    return this.#client.watch(await this.#managedPath(path, options), listener, callOptions(options));
  }

  async #managedPath(path: string, options: CallOptions): Promise<string> {
    const key = keyPath(path);
    return (await this.version(options)) === 1 ? `${this.mount}/${key}` : `${this.mount}/data/${key}`;
  }

  async #writeVersion(
    method: 'POST' | 'PATCH',
    key: string,
    data: Record<string, unknown>,
    options: CallOptions & { cas?: number | undefined },
  ): Promise<KvVersionMetadata> {
    const apiPath = `${this.mount}/data/${key}`;
    const res = await this.#client.request({
      method,
      path: apiPath,
      body: { data, ...(options.cas !== undefined ? { options: { cas: options.cas } } : {}) },
      // A repeated write makes one more version, nothing worse; with cas it is refused.
      idempotent: options.cas !== undefined,
      ...callOptions(options),
    });
    return versionMetadata(expectShape(VersionMetadata, res.data, apiPath));
  }

  async #versionsCall(
    kind: 'delete' | 'undelete' | 'destroy',
    key: string,
    versions: number[],
    options: CallOptions,
  ) {
    if (versions.length === 0 || !versions.every((v) => Number.isInteger(v) && v > 0))
      throw new InvalidRequestError(`kv ${kind}: versions must be positive integers, at least one`);
    await this.#client.request({
      method: kind === 'destroy' ? 'PUT' : 'POST',
      path: `${this.mount}/${kind}/${key}`,
      body: { versions },
      idempotent: true,
      ...callOptions(options),
    });
  }

  async #requireV2(call: string, options: CallOptions): Promise<void> {
    if ((await this.version(options)) === 1) throw this.#v1Refuses(call);
  }

  #v1Refuses(call: string): InvalidRequestError {
    return new InvalidRequestError(
      `kv ${call}: "${this.mount}" is a KV version 1 mount, which keeps no versions`,
    );
  }

  async #detect(options: CallOptions | undefined): Promise<1 | 2> {
    const call = callOptions(options);
    const failures: string[] = [];
    for (const path of [`sys/internal/ui/mounts/${this.mount}`, `sys/mounts/${this.mount}`]) {
      try {
        const res = await this.#client.request({ method: 'GET', path, ...call });
        const info = expectShape(MountInfo, res.data, path);
        if (info.type !== 'kv' && info.type !== 'generic')
          throw new VaultConfigError(`kv: "${this.mount}" is a ${info.type} mount, not a key/value one`);
        return info.options?.version === '2' ? 2 : 1;
      } catch (error) {
        // Not readable with this token (or not known to this Vault): try the next way, then give up.
        if (error instanceof VaultConfigError || !(error instanceof VaultClientError) || isLocal(error))
          throw error;
        failures.push(`${path}: ${error.code}`);
      }
    }
    throw new VaultConfigError(
      `kv: cannot tell the KV version of mount "${this.mount}" (${failures.join(', ')}); choose it: vault.kv('${this.mount}', { version: 2 })`,
    );
  }
}

/** Errors that are not about the detection path: closed client, bad input, aborted call. */
function isLocal(error: VaultClientError): boolean {
  return error.code === 'ERR_CLIENT_CLOSED' || error.code === 'ERR_INVALID_REQUEST';
}

function versionMetadata(m: z.output<typeof VersionMetadata>): KvVersionMetadata {
  return {
    version: m.version,
    createdTime: m.created_time,
    deletionTime: m.deletion_time,
    destroyed: m.destroyed,
    customMetadata: m.custom_metadata ?? {},
  };
}
