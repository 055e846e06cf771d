import { DatabaseEngine } from './database';
import type { EngineClient } from './engine-client';
import { KvEngine } from './kv';
import { PkiEngine } from './pki';
import { TransitEngine } from './transit';

// One helper per client, engine and mount, so a KV mount's detected version is asked for once.
const engines = new WeakMap<EngineClient, Map<string, unknown>>();

function cached<T>(client: EngineClient, key: string, make: () => T): T {
  let byKey = engines.get(client);
  if (!byKey) {
    byKey = new Map();
    engines.set(client, byKey);
  }
  let engine = byKey.get(key) as T | undefined;
  if (!engine) {
    engine = make();
    byKey.set(key, engine);
  }
  return engine;
}

export function kvEngine(
  client: EngineClient,
  mount: string,
  options: { version?: 1 | 2 | undefined } = {},
): KvEngine {
  return cached(
    client,
    `kv:${options.version ?? 'detect'}:${mount}`,
    () => new KvEngine(client, mount, options),
  );
}

export function transitEngine(client: EngineClient, mount: string): TransitEngine {
  return cached(client, `transit:${mount}`, () => new TransitEngine(client, mount));
}

export function pkiEngine(client: EngineClient, mount: string): PkiEngine {
  return cached(client, `pki:${mount}`, () => new PkiEngine(client, mount));
}

export function databaseEngine(client: EngineClient, mount: string): DatabaseEngine {
  return cached(client, `database:${mount}`, () => new DatabaseEngine(client, mount));
}

export { DatabaseEngine, KvEngine, PkiEngine, TransitEngine };
