/**
 * The token the client holds. Internal: the token string never leaves the client's own modules,
 * and this type is not exported from the package (the app sees `TokenInfo`). It lives apart from
 * the token manager so that login modules can produce it without importing the manager.
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
