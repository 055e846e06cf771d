/** Every capability a Vault ACL path rule may name (`recover` is Vault 1.20+, `subscribe` 1.15+). */
export type Capability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny'
  | 'subscribe'
  | 'recover';

/** One `path "..." { ... }` block after Vault's parse-time normalisation. */
export interface PolicyRule {
  /** The pattern as written, one leading `/` removed as Vault does; a trailing `*` is kept. */
  path: string;
  /** After legacy `policy = "..."` expansion, deduplicated; exactly `['deny']` when deny is present. */
  capabilities: Capability[];
  /** Trailing `*` on a path without `+` segments: a plain prefix match. */
  isPrefix: boolean;
  /** `+` segments present (Vault's test: the path is `+`, starts with `+/` or contains `/+`). */
  hasSegmentWildcards: boolean;
  /** Holds `{{...}}` identity templating; such rules never match for tokens without an entity. */
  templated: boolean;
  allowedParameters?: Record<string, unknown[]>;
  deniedParameters?: Record<string, unknown[]>;
  requiredParameters?: string[];
  /** Seconds. */
  minWrappingTtl?: number;
  /** Seconds. */
  maxWrappingTtl?: number;
  mfaMethods?: string[];
  subscribeEventTypes?: string[];
  /** Enterprise-only; kept as decoded, never validated or enforced. */
  controlGroup?: unknown;
}

export interface Policy {
  name: string;
  rules: PolicyRule[];
}
