import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * The machine's database servers, as the tests reach them: PostgreSQL 15 (127.0.0.1:5432, trust
 * auth, superuser `postgres`, database `test`) and MariaDB 10.11 (127.0.0.1:3306, `root` without
 * a password, database `test`). A test file that needs one skips with a message saying how to
 * start it when it does not answer, except under CI, where a missing database is a failure.
 */
/** A run's own admin role (the mock's connection user) and the table its database users may read. */
export interface RunAdmin {
  admin: string;
  password: string;
  table: string;
}

export const PG_ADMIN_URL = process.env.VKC_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const MYSQL_ADMIN = {
  host: process.env.VKC_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.VKC_MYSQL_PORT ?? 3306),
  user: process.env.VKC_MYSQL_USER ?? 'root',
  password: process.env.VKC_MYSQL_PASSWORD ?? '',
  database: 'test',
};

const HOW_TO_START = {
  postgresql: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  mariadb: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
};

/** Whether the server answers; throws under CI (a database test must never skip there). */
export async function requireServer(kind: 'postgresql' | 'mariadb'): Promise<boolean> {
  let failure: unknown;
  try {
    if (kind === 'postgresql') {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
      await client.connect();
      await client.end();
    } else {
      const connection = await mysql.createConnection({ ...MYSQL_ADMIN, connectTimeout: 3_000 });
      await connection.end();
    }
    return true;
  } catch (error) {
    failure = error;
  }
  const message = `${kind} does not answer (${(failure as Error).message}); start it with: ${HOW_TO_START[kind]}`;
  if (process.env.CI) throw new Error(`CI needs ${message}`);
  console.warn(`skipping the ${kind} tests: ${message}`);
  return false;
}

/** A prefix unique to this test run, in every role and user a test creates, so runs never collide. */
export function runPrefix(): string {
  return `t${randomBytes(4).toString('hex').slice(0, 7)}`;
}

/** A superuser connection for setting up and inspecting PostgreSQL. */
export async function pgAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  return client;
}

export async function mysqlAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection(MYSQL_ADMIN);
}

/**
 * A least-privileged admin role for the mock's connection (CREATEROLE, owner of one table), so
 * rotate-root never touches the shared superuser, and a table the dynamic roles may read.
 */
export async function setUpPostgres(prefix: string): Promise<RunAdmin> {
  const admin = `${prefix}_admin`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const table = `${prefix}_items`;
  const su = await pgAdmin();
  try {
    await su.query(`CREATE ROLE "${admin}" WITH LOGIN CREATEROLE PASSWORD '${password}'`);
    // Vault's default revocation revokes on every table in schema public, where parallel runs keep
    // their tables: without some privilege on those, PostgreSQL refuses the REVOKE outright (as it
    // would for Vault) and the role stays. Reading them lets the REVOKE pass with a warning.
    await su.query(`GRANT pg_read_all_data TO "${admin}"`);
    await su.query(`GRANT CREATE ON SCHEMA public TO "${admin}"`);
    await su.query(`GRANT CREATE ON DATABASE test TO "${admin}"`);
    await su.query(`SET ROLE "${admin}"`);
    await su.query(`CREATE SCHEMA "${prefix}_s"`);
    await su.query(`CREATE TABLE public."${table}" (id int primary key, name text)`);
    await su.query(`INSERT INTO public."${table}" SELECT g, 'item ' || g FROM generate_series(1, 100) g`);
  } finally {
    await su.end();
  }
  return { admin, password, table };
}

/** Ends every session and drops every role and table of this run (whatever a failed test left). */
export async function tearDownPostgres(prefix: string): Promise<void> {
  const su = await pgAdmin();
  try {
    await su.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`,
      [prefix],
    );
    const tables = await su.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE $1 || '%'`,
      [prefix],
    );
    for (const { tablename } of tables.rows)
      await su.query(`DROP TABLE IF EXISTS public."${tablename}" CASCADE`);
    await su.query(`DROP SCHEMA IF EXISTS "${prefix}_s" CASCADE`);
    const roles = await su.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname LIKE '%' || $1 || '%'`,
      [prefix],
    );
    for (const { rolname } of roles.rows) {
      await su.query(`DROP OWNED BY "${rolname}" CASCADE`).catch(() => undefined);
      await su.query(`REVOKE ALL ON SCHEMA public FROM "${rolname}"`).catch(() => undefined);
      await su.query(`REVOKE ALL ON DATABASE test FROM "${rolname}"`).catch(() => undefined);
      await su.query(`DROP ROLE IF EXISTS "${rolname}"`);
    }
  } finally {
    await su.end();
  }
}

/** Roles of this run still in pg_roles, and their sessions still in pg_stat_activity. */
export async function pgLeftovers(
  prefix: string,
  except: string[] = [],
): Promise<{ roles: string[]; sessions: string[] }> {
  const su = await pgAdmin();
  try {
    const roles = await su.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname LIKE '%' || $1 || '%'`,
      [prefix],
    );
    const sessions = await su.query<{ usename: string }>(
      `SELECT usename FROM pg_stat_activity WHERE usename LIKE '%' || $1 || '%'`,
      [prefix],
    );
    return {
      roles: roles.rows.map((r) => r.rolname).filter((r) => !except.includes(r)),
      sessions: sessions.rows.map((r) => r.usename).filter((r) => !except.includes(r)),
    };
  } finally {
    await su.end();
  }
}

export async function setUpMysql(prefix: string): Promise<RunAdmin> {
  const admin = `${prefix}_admin`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const table = `${prefix}_items`;
  const root = await mysqlAdmin();
  try {
    await root.query(`CREATE USER '${admin}'@'%' IDENTIFIED BY '${password}'`);
    await root.query(`GRANT ALL PRIVILEGES ON *.* TO '${admin}'@'%' WITH GRANT OPTION`);
    await root.query(`CREATE TABLE test.\`${table}\` (id int primary key, name text)`);
    const rows = Array.from({ length: 100 }, (_, i) => [i + 1, `item ${i + 1}`]);
    await root.query(`INSERT INTO test.\`${table}\` (id, name) VALUES ?`, [rows]);
  } finally {
    await root.end();
  }
  return { admin, password, table };
}

export async function tearDownMysql(prefix: string): Promise<void> {
  const root = await mysqlAdmin();
  try {
    const [sessions] = await root.query<mysql.RowDataPacket[]>(
      `SELECT ID AS id FROM information_schema.processlist WHERE USER LIKE CONCAT('%', ?, '%')`,
      [prefix],
    );
    for (const { id } of sessions) await root.query(`KILL ${Number(id)}`).catch(() => undefined);
    const [users] = await root.query<mysql.RowDataPacket[]>(
      `SELECT User AS user, Host AS host FROM mysql.user WHERE user LIKE CONCAT('%', ?, '%')`,
      [prefix],
    );
    for (const { user, host } of users) await root.query(`DROP USER ?@?`, [user, host]);
    const [tables] = await root.query<mysql.RowDataPacket[]>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'test' AND table_name LIKE CONCAT(?, '%')`,
      [prefix],
    );
    for (const { name } of tables) await root.query(`DROP TABLE IF EXISTS test.\`${name}\``);
  } finally {
    await root.end();
  }
}

export async function mysqlLeftovers(
  prefix: string,
  except: string[] = [],
): Promise<{ users: string[]; sessions: string[] }> {
  const root = await mysqlAdmin();
  try {
    const [users] = await root.query<mysql.RowDataPacket[]>(
      `SELECT User AS user FROM mysql.user WHERE User LIKE CONCAT('%', ?, '%')`,
      [prefix],
    );
    const [sessions] = await root.query<mysql.RowDataPacket[]>(
      `SELECT USER AS user FROM information_schema.processlist WHERE USER LIKE CONCAT('%', ?, '%')`,
      [prefix],
    );
    return {
      users: users.map((u) => String(u.user)).filter((u) => !except.includes(u)),
      sessions: sessions.map((s) => String(s.user)).filter((u) => !except.includes(u)),
    };
  } finally {
    await root.end();
  }
}

/** What Vault's plugin for each server is called, and how its connection_url reaches this machine's server. */
const PLUGIN = { postgresql: 'postgresql-database-plugin', mariadb: 'mysql-database-plugin' } as const;
export function connectionUrl(server: 'postgresql' | 'mariadb'): string {
  return server === 'postgresql'
    ? 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable'
    : `{{username}}:{{password}}@tcp(${MYSQL_ADMIN.host}:${MYSQL_ADMIN.port})/`;
}

/** A `database/config/<name>` body for the run's admin on this machine's server, with any field changed. */
export function connectionConfig(
  server: 'postgresql' | 'mariadb',
  admin: RunAdmin,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    plugin_name: PLUGIN[server],
    connection_url: connectionUrl(server),
    username: admin.admin,
    password: admin.password,
    ...fields,
  };
}
