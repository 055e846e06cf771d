import { InMemoryPlugin } from './in-memory';
import { MYSQL_LEGACY_USERNAME_TEMPLATE, MYSQL_USERNAME_TEMPLATE, MysqlPlugin } from './mysql';
import type { DatabasePlugin } from './plugin';
import { PostgresqlPlugin } from './postgresql';

/** The mock's own plugin: users live in the mock only. Chosen by name, never as a fallback. */
export const IN_MEMORY_PLUGIN = 'in-memory-database-plugin';

/**
 * The database plugins the mock knows, by `plugin_name`. The built-in SQL plugins reach the real
 * database named in `connection_url`, as Vault's do; the in-memory one reaches nothing.
 */
const CATALOG: Record<string, () => DatabasePlugin> = {
  'postgresql-database-plugin': () => new PostgresqlPlugin(),
  'mysql-database-plugin': () => new MysqlPlugin(MYSQL_USERNAME_TEMPLATE),
  'mysql-aurora-database-plugin': () => new MysqlPlugin(MYSQL_LEGACY_USERNAME_TEMPLATE),
  'mysql-rds-database-plugin': () => new MysqlPlugin(MYSQL_LEGACY_USERNAME_TEMPLATE),
  'mysql-legacy-database-plugin': () => new MysqlPlugin(MYSQL_LEGACY_USERNAME_TEMPLATE),
  [IN_MEMORY_PLUGIN]: () => new InMemoryPlugin(),
};

/** A new, uninitialised instance; undefined for a name the catalog does not hold. */
export function createPlugin(pluginName: string): DatabasePlugin | undefined {
  return Object.hasOwn(CATALOG, pluginName) ? CATALOG[pluginName]!() : undefined;
}

/** Whether the plugin talks to a database outside the mock (its work is real I/O). */
export function isExternal(pluginName: string): boolean {
  return pluginName !== IN_MEMORY_PLUGIN;
}

/**
 * DatabaseConfig.SupportsCredentialType: what the plugin reported at initialisation. Vault's SQL
 * plugins report nothing, so passwords only; the in-memory plugin takes every type the engine has.
 */
export function supportsCredentialType(pluginName: string, type: string): boolean {
  return pluginName === IN_MEMORY_PLUGIN || type === 'password';
}
