import type * as Mysql from 'mysql2/promise';
import { expirationString, queriesOf } from '../statements';
import type { UsernameTemplate } from '../username-template';
import { connectionSettings, usernameTemplate } from './connection-details';
import { describeDriverError, loadMysql } from './drivers';
import { parseMysqlDsn } from './mysql-dsn';
import { type DatabasePlugin, type NewUserRequest, PluginError, sanitize } from './plugin';
import { Serial } from './serial';

/** mysql-database-plugin: 32 characters (MySQL 5.7+). */
export const MYSQL_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}';
/** mysql-legacy, mysql-rds and mysql-aurora: 16 characters, as old MySQL servers allow. */
export const MYSQL_LEGACY_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}';

const DEFAULT_REVOCATION = [
  `REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%'; DROP USER '{{name}}'@'%'`,
];
const DEFAULT_CHANGE_PASSWORD = [`ALTER USER '{{username}}'@'%' IDENTIFIED BY '{{password}}';`];

/** MySQL's "This command is not supported in the prepared statement protocol yet". */
const ER_UNSUPPORTED_PS = 1295;

/**
 * Vault's MySQL plugins over mysql2: creation and password statements prepared one by one in a
 * transaction (run unprepared when the server refuses to prepare them), revocation unprepared,
 * expiration changes ignored (MySQL users have no VALID UNTIL).
 */
export class MysqlPlugin implements DatabasePlugin {
  #pool: Mysql.Pool | undefined;
  #template: UsernameTemplate | undefined;
  #secrets: string[] = [];
  readonly #serial = new Serial();

  constructor(private readonly defaultTemplate: string) {}

  async initialize(details: Readonly<Record<string, unknown>>, verify: boolean): Promise<void> {
    this.#template = usernameTemplate(details, this.defaultTemplate);
    // The MySQL plugin does not escape the password into the DSN.
    const settings = connectionSettings(details, { escapePassword: false });
    this.#secrets = [settings.password];
    const mysql = await loadMysql();
    let dsn: ReturnType<typeof parseMysqlDsn>;
    try {
      dsn = parseMysqlDsn(settings.url);
    } catch (error) {
      throw new PluginError(this.#clean(`unable to parse connectionURL: ${(error as Error).message}`));
    }
    this.#pool = mysql.createPool({
      ...(dsn.socketPath ? { socketPath: dsn.socketPath } : { host: dsn.host, port: dsn.port }),
      user: decodeURIComponent(dsn.user),
      password: dsn.password,
      ...(dsn.database ? { database: dsn.database } : {}),
      connectionLimit: settings.maxOpenConnections,
      connectTimeout: 10_000,
      maxIdle: 0,
      idleTimeout: 5_000,
    });
    if (verify) {
      try {
        await this.#pool.query('SELECT 1');
      } catch (error) {
        await this.close();
        throw new PluginError(this.#clean(`error verifying - ping: ${describeDriverError(error)}`));
      }
    }
  }

  newUser(request: NewUserRequest): Promise<string> {
    return this.#serial.run(() => this.#newUser(request));
  }

  async #newUser(request: NewUserRequest): Promise<string> {
    if (request.statements.length === 0) throw new PluginError('empty creation statements');
    const username = this.#template!.generate(request.metadata, request.now);
    const values = {
      name: username,
      username,
      password: request.password,
      expiration: expirationString(request.expiresAt),
    };
    try {
      await this.#transaction(queriesOf(request.statements, values), true);
    } catch (error) {
      // CREATE USER commits on its own in MySQL: the rollback statements are what undoes it.
      await this.#transaction(queriesOf(request.rollback, values), false).catch(() => undefined);
      throw new PluginError(this.#clean(describeDriverError(error), request.password));
    }
    return username;
  }

  changePassword(username: string, password: string, statements: readonly string[]): Promise<void> {
    return this.#serial.run(() => this.#changePassword(username, password, statements));
  }

  async #changePassword(username: string, password: string, statements: readonly string[]): Promise<void> {
    const values = { name: username, username, password };
    try {
      await this.#transaction(
        queriesOf(statements.length ? statements : DEFAULT_CHANGE_PASSWORD, values),
        true,
      );
    } catch (error) {
      throw new PluginError(
        this.#clean(`failed to change password: ${describeDriverError(error)}`, password),
      );
    }
  }

  async changeExpiration(): Promise<void> {
    // Vault's MySQL plugin: "Expiration change/update is currently a no-op".
  }

  deleteUser(username: string, statements: readonly string[]): Promise<void> {
    return this.#serial.run(() => this.#deleteUser(username, statements));
  }

  async #deleteUser(username: string, statements: readonly string[]): Promise<void> {
    const queries = queriesOf(statements.length ? statements : DEFAULT_REVOCATION, {
      name: username,
      username,
    });
    try {
      await this.#transaction(queries, false);
    } catch (error) {
      throw new PluginError(this.#clean(describeDriverError(error)));
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end().catch(() => undefined);
  }

  async #transaction(queries: readonly string[], prepared: boolean): Promise<void> {
    if (queries.length === 0) return;
    const connection = await this.#pool!.getConnection();
    try {
      await connection.beginTransaction();
      for (const query of queries) {
        if (!prepared) {
          await connection.query(query);
          continue;
        }
        try {
          await connection.execute(query);
        } catch (error) {
          if ((error as { errno?: number }).errno !== ER_UNSUPPORTED_PS) throw error;
          await connection.query(query);
        }
      }
      await connection.commit();
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  #clean(message: string, ...more: string[]): string {
    return sanitize(message, [...this.#secrets, ...more]);
  }
}
