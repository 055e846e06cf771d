import type { Backend, MockBackend } from './backend';
import type { MountInfo } from './types';

/** What an engine's factory gets for each mount it serves. */
export interface EngineContext {
  /**
   * The mount: its path (`aws/`, `auth/jwt/`), type, accessor, options and TTL tuning. The
   * object is live: `sys/mounts/<path>/tune` changes show up here.
   */
  readonly mount: Readonly<MountInfo>;
  /** The mock's current time (its clock), in epoch milliseconds. */
  now(): number;
}

/**
 * A kind of secrets engine or auth method the mock can mount, as a Vault plugin is in Vault's
 * catalog. `startMockVault({ engines: { aws: myAwsEngine } })` adds one; `sys/mounts/<path>`
 * (for `secret`) or `sys/auth/<path>` (for `auth`) with `type: "aws"` then mounts it, and each
 * mount gets its own backend from `create`.
 */
export interface MockEngine {
  readonly kind: 'secret' | 'auth';
  create(context: EngineContext): MockBackend;
}

/** An engine of the mock's own catalog, which may still use the older route shape. */
export interface BuiltinEngine {
  readonly kind: 'secret' | 'auth';
  create(context: EngineContext): Backend;
}

export type EngineCatalog = Readonly<Record<string, MockEngine | BuiltinEngine>>;
