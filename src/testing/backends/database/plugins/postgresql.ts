import type * as Pg from 'pg';
import { containsBlock, expirationString, queriesOf, quoteIdentifier } from '../statements';
import type { UsernameTemplate } from '../username-template';
import { connectionSettings, usernameTemplate } from './connection-details';
import { describeDriverError, loadPg } from './drivers';
import { type DatabasePlugin, type NewUserRequest, PluginError, sanitize } from './plugin';
import { Serial } from './serial';

const DEFAULT_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';
const DEFAULT_RENEW = [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`];
const DEFAULT_CHANGE_PASSWORD = [`ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`];

/**
 * Vault's postgresql-database-plugin over node-postgres: statements in a transaction, Vault's
 * default renewal, password change and revocation when a role leaves them empty.
 */
export class PostgresqlPlugin implements DatabasePlugin {
  #pool: Pg.Pool | undefined;
  #template: UsernameTemplate | undefined;
  #secrets: string[] = [];
  readonly #serial = new Serial();

  async initialize(details: Readonly<Record<string, unknown>>, verify: boolean): Promise<void> {
    const settings = connectionSettings(details, { escapePassword: true });
    this.#template = usernameTemplate(details, DEFAULT_USERNAME_TEMPLATE);
    this.#secrets = [settings.password];
    const pg = await loadPg();
    let url: URL;
    try {
      url = new URL(settings.url);
    } catch {
      throw new PluginError(this.#clean(`cannot parse connection_url: ${settings.url}`));
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new PluginError('connection_url must be a postgres:// or postgresql:// URL in the mock');
    }
    this.#pool = new pg.Pool({
      connectionString: settings.url,
      max: settings.maxOpenConnections,
      // Vault names its sessions; a plugin's pool must never keep the test process alive.
      application_name: url.searchParams.get('application_name') ?? 'vault',
      allowExitOnIdle: true,
      idleTimeoutMillis: 5_000,
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection the server closes (a terminated backend) must not crash the process.
    this.#pool.on('error', () => undefined);
    if (verify) {
      try {
        await this.#pool.query('SELECT 1');
      } catch (error) {
        await this.close();
        throw new PluginError(this.#clean(`error verifying connection: ${describeDriverError(error)}`));
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
      await this.#transaction(queriesOf(request.statements, values, { keepBlocks: true }));
    } catch (error) {
      // The transaction undid what it could; rollback statements undo what it could not.
      await this.#transaction(queriesOf(request.rollback, values)).catch(() => undefined);
      throw new PluginError(
        this.#clean(`failed to execute query: ${describeDriverError(error)}`, request.password),
      );
    }
    return username;
  }

  changePassword(username: string, password: string, statements: readonly string[]): Promise<void> {
    return this.#serial.run(() => this.#changePassword(username, password, statements));
  }

  async #changePassword(username: string, password: string, statements: readonly string[]): Promise<void> {
    const values = { name: username, username, password };
    try {
      await this.#transaction(queriesOf(statements.length ? statements : DEFAULT_CHANGE_PASSWORD, values));
    } catch (error) {
      throw new PluginError(this.#clean(`failed to execute query: ${describeDriverError(error)}`, password));
    }
  }

  changeExpiration(username: string, expiresAt: number, statements: readonly string[]): Promise<void> {
    return this.#serial.run(() => this.#changeExpiration(username, expiresAt, statements));
  }

  async #changeExpiration(username: string, expiresAt: number, statements: readonly string[]): Promise<void> {
    const values = { name: username, username, expiration: expirationString(expiresAt) };
    try {
      await this.#transaction(queriesOf(statements.length ? statements : DEFAULT_RENEW, values));
    } catch (error) {
      throw new PluginError(this.#clean(describeDriverError(error)));
    }
  }

  deleteUser(username: string, statements: readonly string[]): Promise<void> {
    return this.#serial.run(() => this.#deleteUser(username, statements));
  }

  async #deleteUser(username: string, statements: readonly string[]): Promise<void> {
    try {
      if (statements.length > 0) {
        const blocks = statements.filter(containsBlock);
        await this.#transaction([
          ...blocks.map((b) => b.split('{{name}}').join(username).split('{{username}}').join(username)),
          ...queriesOf(
            statements.filter((s) => !containsBlock(s)),
            { name: username, username },
          ),
        ]);
      } else {
        await this.#defaultDelete(username);
      }
    } catch (error) {
      throw new PluginError(this.#clean(describeDriverError(error)));
    }
  }

  /**
   * Vault's default revocation: privileges on every schema the role holds grants in, then on
   * `public`, then CONNECT on the database, then DROP ROLE. The REVOKEs run outside a
   * transaction and past failures, to take away as much as possible. Sessions are not ended.
   */
  async #defaultDelete(username: string): Promise<void> {
    const pool = this.#pool!;
    const exists = await pool.query('SELECT exists (SELECT rolname FROM pg_roles WHERE rolname=$1);', [
      username,
    ]);
    if (!exists.rows[0]?.exists) return;
    const role = quoteIdentifier(username);
    const schemas = await pool.query<{ table_schema: string }>(
      'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee=$1;',
      [username],
    );
    const revokes: string[] = [];
    for (const { table_schema } of schemas.rows) {
      revokes.push(
        `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdentifier(table_schema)} FROM ${role};`,
      );
      revokes.push(`REVOKE USAGE ON SCHEMA ${quoteIdentifier(table_schema)} FROM ${role};`);
    }
    revokes.push(`REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${role};`);
    revokes.push(`REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${role};`);
    revokes.push(`REVOKE USAGE ON SCHEMA public FROM ${role};`);
    const database = await pool.query<{ current_database: string | null }>('SELECT current_database();');
    const dbname = database.rows[0]?.current_database;
    if (dbname) revokes.push(`REVOKE CONNECT ON DATABASE ${quoteIdentifier(dbname)} FROM ${role};`);
    let last: unknown;
    for (const query of revokes) await pool.query(query).catch((error: unknown) => (last = error));
    if (last) throw new Error(`could not perform all revocation statements: ${describeDriverError(last)}`);
    await pool.query(`DROP ROLE IF EXISTS ${role};`);
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end().catch(() => undefined);
  }

  async #transaction(queries: readonly string[]): Promise<void> {
    if (queries.length === 0) return;
    const client = await this.#pool!.connect();
    try {
      await client.query('BEGIN');
      for (const query of queries) await client.query(query);
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw error;
    }
  }

  #clean(message: string, ...more: string[]): string {
    return sanitize(message, [...this.#secrets, ...more]);
  }
}
