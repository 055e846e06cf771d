import type { Backend } from '../../../core/backend';
import { uuid } from '../../../core/ids';
import { defineRoute } from '../../../core/routes';
import type { BackendRequest, BackendResult, Operation } from '../../../core/types';
import {
  DATA_FIELDS,
  deleteLatest,
  patchData,
  readData,
  readSubkeys,
  SUBKEYS_FIELDS,
  writeData,
} from './data';
import {
  CONFIG_FIELDS,
  changeVersions,
  deleteMetadata,
  listMetadata,
  METADATA_FIELDS,
  patchMetadata,
  readConfig,
  readMetadata,
  VERSIONS_FIELDS,
  writeConfig,
  writeMetadata,
} from './metadata';
import { KvState } from './state';

/**
 * KV version 2 (hashicorp/vault-plugin-secrets-kv): versioned secrets under `data/`, their
 * settings under `metadata/`, and `delete/`, `undelete/`, `destroy/`, `subkeys/`, `config`.
 * Anything else on the mount answers 404 with the plugin's "Invalid path" warning. KV creates
 * no leases.
 *
 * The plugin's patterns are regular expressions because they tell `data/a/` from `data/a` and
 * `metadata` from `metadata/`, which decides between a handler, the invalid-path warning and 405.
 */
export function kvV2Backend(): Backend {
  const state = new KvState();
  const has = (key: string) => state.keys.has(key);
  const versionsRoute = (verb: 'delete' | 'undelete' | 'destroy') =>
    defineRoute({
      pattern: new RegExp(`^${verb}/(?<path>.*)$`),
      fields: VERSIONS_FIELDS,
      handlers: { update: (req, input) => changeVersions(state, req, input, input.params.path ?? '', verb) },
    });
  return {
    routes: [
      defineRoute({
        pattern: 'config',
        fields: CONFIG_FIELDS,
        handlers: { read: () => readConfig(state), update: (_req, input) => writeConfig(state, input) },
      }),
      defineRoute({
        pattern: /^data\/(?<path>.*[^/])$/,
        fields: DATA_FIELDS,
        exists: (_req, { params }) => has(params.path ?? ''),
        handlers: {
          read: (req, input) => readData(state, req, input, input.params.path ?? ''),
          create: (req, input) => writeData(state, req, input, input.params.path ?? ''),
          update: (req, input) => writeData(state, req, input, input.params.path ?? ''),
          patch: (req, input) => patchData(state, req, input, input.params.path ?? ''),
          delete: (req, { params }) => deleteLatest(state, req, params.path ?? ''),
        },
      }),
      defineRoute({
        pattern: /^metadata\/(?<path>.*)$/,
        fields: METADATA_FIELDS,
        exists: (_req, { params }) => has(params.path ?? ''),
        handlers: {
          read: (_req, { params }) => readMetadata(state, params.path ?? ''),
          list: (_req, input) => listMetadata(state, input, input.params.path ?? ''),
          create: (req, input) => writeMetadata(state, req, input, input.params.path ?? ''),
          update: (req, input) => writeMetadata(state, req, input, input.params.path ?? ''),
          patch: (_req, input) => patchMetadata(state, input, input.params.path ?? ''),
          delete: (_req, { params }) => deleteMetadata(state, params.path ?? ''),
        },
      }),
      versionsRoute('destroy'),
      defineRoute({
        pattern: /^subkeys\/(?<path>.*)$/,
        fields: SUBKEYS_FIELDS,
        handlers: { read: (req, input) => readSubkeys(state, req, input, input.params.path ?? '') },
      }),
      versionsRoute('delete'),
      versionsRoute('undelete'),
      defineRoute({
        pattern: /^.*$/,
        takesArbitraryInput: true,
        handlers: {
          read: invalidPath,
          list: invalidPath,
          create: invalidPath,
          update: invalidPath,
          delete: invalidPath,
          patch: invalidPath,
        },
      }),
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
