import mysql from 'mysql2/promise';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectionConfig,
  MYSQL_ADMIN,
  mysqlAdmin,
  mysqlLeftovers,
  type RunAdmin,
  requireServer,
  runPrefix,
  setUpMysql,
  tearDownMysql,
} from './support/servers';
import { settledValue } from './support/wait';

/** The mock's database engine on a real MariaDB, through Vault's MySQL plugins. */
const available = await requireServer('mariadb');
const prefix = runPrefix();
let admin: RunAdmin;
let mock: MockVault;

const login = async (user: string, password: string) => {
  const connection = await mysql.createConnection({ ...MYSQL_ADMIN, user, password });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      `SELECT count(*) AS n FROM test.\`${admin.table}\``,
    );
    return Number(rows[0]!.n);
  } finally {
    await connection.end();
  }
};
const userExists = async (user: string) => {
  const root = await mysqlAdmin();
  try {
    const [rows] = await root.query<mysql.RowDataPacket[]>('SELECT user FROM mysql.user WHERE user = ?', [
      user,
    ]);
    return rows.length > 0;
  } finally {
    await root.end();
  }
};
const creation = () =>
  `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON test.\`${admin.table}\` TO '{{name}}'@'%';`;

describe.skipIf(!available)('database engine on MariaDB', () => {
  beforeAll(async () => {
    admin = await setUpMysql(prefix);
  });
  afterAll(async () => {
    await tearDownMysql(prefix);
  });
  beforeEach(async () => {
    mock = await startMockVault({ clock: new ManualClock() });
    await mock.write('sys/mounts/database', { type: 'database' });
    await mock.write('database/config/my', connectionConfig('mariadb', admin, { allowed_roles: '*' }));
    await mock.write(`database/roles/${prefix}`, {
      db_name: 'my',
      creation_statements: creation(),
      default_ttl: '1h',
    });
  });
  afterEach(async () => {
    await mock.close();
  });

  it('refuses an unreachable server, and keeps the root password out of the error', async () => {
    const res = await mock.request(
      'POST',
      'database/config/down',
      connectionConfig('mariadb', admin, { connection_url: '{{username}}:{{password}}@tcp(127.0.0.1:1)/' }),
    );
    expect(res).toEqual({
      status: 400,
      body: {
        errors: [
          'error creating database object: error verifying - ping: dial tcp 127.0.0.1:1: connect: connection refused',
        ],
      },
    });
    const denied = await mock.request(
      'POST',
      'database/config/denied',
      connectionConfig('mariadb', admin, { password: `${admin.password}-wrong` }),
    );
    expect(denied.status).toBe(400);
    expect((denied.body as { errors: string[] }).errors[0]).toMatch(/Access denied/);
    expect(JSON.stringify(denied.body)).not.toContain(admin.password);
  });

  it('creates a real user (32-character names) whose password logs in, and only that password', async () => {
    const { data } = (await mock.read(`database/creds/${prefix}`)).body as {
      data: { username: string; password: string };
    };
    expect(data.username.length).toBeLessThanOrEqual(32);
    expect(data.username).toMatch(new RegExp(`^v-root-${prefix}-`));
    expect(await login(data.username, data.password)).toBe(100);
    await expect(login(data.username, `${data.password}x`)).rejects.toThrow(/Access denied/);
  });

  it('uses the 16-character legacy template for mysql-legacy-database-plugin', async () => {
    await mock.write('database/config/legacy', {
      plugin_name: 'mysql-legacy-database-plugin',
      connection_url: `{{username}}:{{password}}@tcp(${MYSQL_ADMIN.host}:${MYSQL_ADMIN.port})/`,
      username: admin.admin,
      password: admin.password,
      allowed_roles: '*',
      // The run's prefix must be in every user this test makes.
      username_template: `{{ printf "${prefix}%s" (random 7) | truncate 16 }}`,
    });
    await mock.write('database/roles/legacy', { db_name: 'legacy', creation_statements: creation() });
    const { data } = (await mock.read('database/creds/legacy')).body as { data: { username: string } };
    expect(data.username).toHaveLength(15);
    expect(await userExists(data.username)).toBe(true);
  });

  it('drops the user on revoke with Vault’s default statements', async () => {
    const { lease_id, data } = (await mock.read(`database/creds/${prefix}`)).body as {
      lease_id: string;
      data: { username: string; password: string };
    };
    await mock.write('sys/leases/revoke', { lease_id });
    expect(await userExists(data.username)).toBe(false);
    await expect(login(data.username, data.password)).rejects.toThrow(/Access denied/);
  });

  it('rotates a static account’s real password; the old one stops working', async () => {
    const account = `${prefix}_st`;
    const root = await mysqlAdmin();
    await root.query(`CREATE USER '${account}'@'%' IDENTIFIED BY 'initial'`);
    await root.query(`GRANT SELECT ON test.\`${admin.table}\` TO '${account}'@'%'`);
    await root.end();
    await mock.write(`database/static-roles/${prefix}-st`, {
      db_name: 'my',
      username: account,
      rotation_period: 60,
    });
    const first = (await mock.read(`database/static-creds/${prefix}-st`)).body as {
      data: { password: string };
    };
    expect(await login(account, first.data.password)).toBe(100);
    await expect(login(account, 'initial')).rejects.toThrow(/Access denied/);
    await mock.write(`database/rotate-role/${prefix}-st`);
    const second = (await mock.read(`database/static-creds/${prefix}-st`)).body as {
      data: { password: string };
    };
    expect(await login(account, second.data.password)).toBe(100);
    await expect(login(account, first.data.password)).rejects.toThrow(/Access denied/);
  });

  it('rotate-root: the admin’s old password stops working, the engine goes on with the new one', async () => {
    await mock.write('database/rotate-root/my');
    await expect(login(admin.admin, admin.password)).rejects.toThrow(/Access denied/);
    const { data } = (await mock.read(`database/creds/${prefix}`)).body as {
      data: { username: string; password: string };
    };
    expect(await login(data.username, data.password)).toBe(100);
    const root = await mysqlAdmin();
    await root.query(`ALTER USER '${admin.admin}'@'%' IDENTIFIED BY '${admin.password}'`);
    await root.end();
  });

  it('leaves no user and no session behind after revoke-prefix and close', async () => {
    const users: string[] = [];
    for (let i = 0; i < 3; i++)
      users.push(
        ((await mock.read(`database/creds/${prefix}`)).body as { data: { username: string } }).data.username,
      );
    await mock.write(`sys/leases/revoke-prefix/database/creds/${prefix}`);
    await mock.close();
    const left = await settledValue(
      () => mysqlLeftovers(prefix),
      (l) => l.sessions.length === 0,
    );
    expect(left.users.filter((u) => users.includes(u))).toEqual([]);
    expect(left.sessions).toEqual([]);
  });
});
