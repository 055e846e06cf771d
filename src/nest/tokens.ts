/**
 * Injection tokens. `Symbol.for` rather than `Symbol`, so an app that ends up with both the ESM
 * and the CJS build still finds the client under one token.
 */
export const VAULT_CLIENT: symbol = Symbol.for('vault-kubernetes-client/nest:VAULT_CLIENT');
/** Internal: the module's options. Not exported from the entry; the module provides only the client. */
export const VAULT_MODULE_OPTIONS: symbol = Symbol.for('vault-kubernetes-client/nest:VAULT_MODULE_OPTIONS');
/** Internal: the provider whose lifecycle hooks start and close the client. */
export const VAULT_LIFECYCLE: symbol = Symbol.for('vault-kubernetes-client/nest:VAULT_LIFECYCLE');
