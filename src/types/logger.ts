/**
 * The logger the client writes to: four methods taking structured fields and a message, in
 * pino's argument order, so a pino (or bunyan) logger can be passed as is. The client never puts
 * a token, JWT or secret value in either argument.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * new VaultKubernetesClient({ auth: { role: 'app' }, logger: pino() });
 * ```
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The least severe level written; `silent` writes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
