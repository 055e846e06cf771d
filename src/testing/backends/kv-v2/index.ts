import type { Backend } from '../../core/backend';
import { uuid } from '../../core/ids';
import type { BackendRequest, BackendResult, MountInfo, Operation } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { unsupportedOperation } from '../../core/vault-error';
import { deleteLatest, patchData, readData, readSubkeys, writeData } from './data';
import {
  changeVersions,
  deleteMetadata,
  listMetadata,
  patchMetadata,
  readConfig,
  readMetadata,
  writeConfig,
  writeMetadata,
} from './metadata';
import { KvState } from './state';

type KvHandler = (req: BackendRequest, key: string) => BackendResult | null;

interface KvPath {
  /** Anchored like the plugin's framework patterns; group 1 is the key. */
  pattern: RegExp;
  handlers: Partial<Record<Operation, KvHandler>>;
  /** The plugin's ExistenceCheck: create (not update) is needed for a key without metadata. */
  exists?: (key: string) => boolean;
}

/**
 * KV version 2 (hashicorp/vault-plugin-secrets-kv): versioned secrets under `data/`, their
 * settings under `metadata/`, and `delete/`, `undelete/`, `destroy/`, `subkeys/`, `config`.
 * Anything else on the mount answers 404 with the plugin's "Invalid path" warning. KV creates
 * no leases.
 *
 * The plugin's patterns are matched here rather than by the core's router because they tell
 * `data/a/` from `data/a` and `metadata` from `metadata/`, which decides between a handler, the
 * invalid-path warning and 405.
 */
export function kvV2Backend(_core: VaultCore, _mount: MountInfo): Backend {
  const state = new KvState();
  const has = (key: string) => state.keys.has(key);
  const paths: KvPath[] = [
    {
      pattern: /^config$/,
      handlers: { read: () => readConfig(state), update: (req) => writeConfig(state, req) },
    },
    {
      pattern: /^data\/(.*[^/])$/,
      exists: has,
      handlers: {
        read: (req, key) => readData(state, req, key),
        create: (req, key) => writeData(state, req, key),
        update: (req, key) => writeData(state, req, key),
        patch: (req, key) => patchData(state, req, key),
        delete: (req, key) => deleteLatest(state, req, key),
      },
    },
    {
      pattern: /^metadata\/(.*)$/,
      exists: has,
      handlers: {
        read: (_req, key) => readMetadata(state, key),
        list: (req, key) => listMetadata(state, req, key),
        create: (req, key) => writeMetadata(state, req, key),
        update: (req, key) => writeMetadata(state, req, key),
        patch: (req, key) => patchMetadata(state, req, key),
        delete: (_req, key) => deleteMetadata(state, key),
      },
    },
    {
      pattern: /^destroy\/(.*)$/,
      handlers: { update: (req, key) => changeVersions(state, req, key, 'destroy') },
    },
    {
      pattern: /^subkeys\/(.*)$/,
      handlers: { read: (req, key) => readSubkeys(state, req, key) },
    },
    {
      pattern: /^delete\/(.*)$/,
      handlers: { update: (req, key) => changeVersions(state, req, key, 'delete') },
    },
    {
      pattern: /^undelete\/(.*)$/,
      handlers: { update: (req, key) => changeVersions(state, req, key, 'undelete') },
    },
  ];

  const find = (req: BackendRequest) => {
    const path = pluginPath(req);
    for (const candidate of paths) {
      const match = candidate.pattern.exec(path);
      if (match) return { path: candidate, key: match[1] ?? '' };
    }
    return undefined;
  };

  const handle = (req: BackendRequest): BackendResult | null => {
    const found = find(req);
    if (!found) return invalidPath(req);
    const handler =
      found.path.handlers[req.operation] ??
      (req.operation === 'create' ? found.path.handlers.update : undefined);
    if (!handler) throw unsupportedOperation();
    return handler(req, found.key);
  };

  return {
    routes: [
      {
        pattern: '*rest',
        exists: (req) => {
          const found = find(req);
          return found?.path.exists ? found.path.exists(found.key) : true;
        },
        handlers: {
          read: handle,
          list: handle,
          create: handle,
          update: handle,
          delete: handle,
          patch: handle,
        },
      },
    ],
  };
}

/** The path the plugin sees: Vault appends a slash to every list request. */
function pluginPath(req: BackendRequest): string {
  if (req.operation === 'list' && req.path !== '' && !req.path.endsWith('/')) return `${req.path}/`;
  return req.path;
}

const SUBCOMMAND: Record<Operation, string> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

/** backend.go pathInvalid: a 404 whose body is a full response carrying one warning. */
function invalidPath(req: BackendRequest): BackendResult {
  const root = ['metadata', 'data', 'delete', 'undelete', 'destroy'].includes(pluginPath(req));
  const warning = root
    ? 'Non-listing operations on the root of a K/V v2 mount are not supported.'
    : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${SUBCOMMAND[req.operation]}' for this operation.`;
  if (req.operation !== 'list') return { status: 404, data: null, warnings: [warning] };
  // The core turns a list answer without keys into a bare 404; Vault sends this raw body instead.
  const body = {
    request_id: uuid(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: [warning],
    auth: null,
    mount_type: req.mount.type,
  };
  return { status: 404, raw: { contentType: 'application/json', body: JSON.stringify(body) } };
}
