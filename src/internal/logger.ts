import type { Logger, LogLevel } from '../types/logger';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Warnings and errors to stderr, nothing else: quiet unless something needs a human. */
export const consoleLogger: Logger = {
  debug: (fields, message) => console.debug(`[vault-kubernetes-client] ${message}`, fields),
  info: (fields, message) => console.info(`[vault-kubernetes-client] ${message}`, fields),
  warn: (fields, message) => console.warn(`[vault-kubernetes-client] ${message}`, fields),
  error: (fields, message) => console.error(`[vault-kubernetes-client] ${message}`, fields),
};

/** Drops lines below `level`; a logger that throws is ignored rather than breaking the client. */
export function filterLogger(logger: Logger, level: LogLevel): Logger {
  const at =
    (name: keyof Logger) =>
    (fields: Record<string, unknown>, message: string): void => {
      if (ORDER[name] < ORDER[level]) return;
      try {
        logger[name](fields, message);
      } catch {
        // logging must never break the client
      }
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
