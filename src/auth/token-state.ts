/**
 * The token the client holds, as a login (or a static token's lookup) produces it. Internal: the
 * token string never leaves the client's own modules, and this type is not exported publicly.
 * Login modules return it; the token manager keeps it. Declared here, apart from both, so neither
 * imports the other.
 */
export interface TokenState {
  readonly token: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly renewable: boolean;
  /** TTL granted by the last login or renewal. */
  readonly ttlMs: number;
  /** TTL the login granted: what each renewal asks for again. */
  readonly loginTtlMs: number;
  /** Epoch ms on the client's clock; undefined for a token that never expires. */
  readonly expiresAt: number | undefined;
  readonly generation: number;
}
