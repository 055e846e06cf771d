import pg from 'pg';
import { ManualClock, type MockVault, startMockVault } from 'vault-kubernetes-client/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scramMatches } from './support/scram';
import {
  connectionConfig,
  pgAdmin,
  pgLeftovers,
  type RunAdmin,
  requireServer,
  runPrefix,
  setUpPostgres,
  tearDownPostgres,
} from './support/servers';
import { settledValue } from './support/wait';

/**
 * The mock's database engine on a real PostgreSQL: the statements Vault's plugin runs, run for
 * real, and the roles they make live exactly as long as their leases.
 */
const available = await requireServer('postgresql');
const prefix = runPrefix();
let admin: RunAdmin;
let mock: MockVault;
const START = Date.parse('2031-03-04T05:06:07Z');

const su = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
  const client = await pgAdmin();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
};
/**
 * Whether the role is gone: the mock records Vault's decision at once and the real DROP follows,
 * on a server that may be slow under a loaded machine, so this waits for it (bounded).
 */
const dropped = async (name: string) =>
  (await settledValue(
    () => roleRow(name),
    (row) => row === undefined,
  )) === undefined;
const roleRow = async (name: string) =>
  (
    await su<{ rolname: string; rolvaliduntil: Date | null; rolpassword: string | null }>(
      'SELECT rolname, rolvaliduntil, rolpassword FROM pg_authid WHERE rolname = $1',
      [name],
    )
  )[0];

const creation = () =>
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON public."${admin.table}" TO "{{name}}";`;

describe.skipIf(!available)('database engine on PostgreSQL', () => {
  beforeAll(async () => {
    admin = await setUpPostgres(prefix);
  });
  afterAll(async () => {
    await tearDownPostgres(prefix);
  });
  beforeEach(async () => {
    mock = await startMockVault({ clock: new ManualClock(START) });
    await mock.write('sys/mounts/database', { type: 'database' });
    await mock.write('database/config/pg', connectionConfig('postgresql', admin, { allowed_roles: '*' }));
    // The role name carries the run's prefix, so the default username template puts it in every user.
    await mock.write(`database/roles/${prefix}`, {
      db_name: 'pg',
      creation_statements: creation(),
      default_ttl: '1h',
      max_ttl: '2h',
    });
  });
  afterEach(async () => {
    await mock.close();
  });

  it('refuses a connection it cannot reach, as Vault does with verify_connection', async () => {
    const res = await mock.request(
      'POST',
      'database/config/down',
      connectionConfig('postgresql', admin, {
        connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/test',
      }),
    );
    expect(res).toEqual({
      status: 400,
      body: {
        errors: [
          'error creating database object: error verifying connection: dial tcp 127.0.0.1:1: connect: connection refused',
        ],
      },
    });
    expect((await mock.request('GET', 'database/config/down')).status).toBe(404);
    const unchecked = await mock.request(
      'POST',
      'database/config/down',
      connectionConfig('postgresql', admin, {
        connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/test',
        verify_connection: false,
      }),
    );
    expect(unchecked.status).toBe(204);
  });

  it('never puts the root password in an error', async () => {
    const res = await mock.request(
      'POST',
      'database/config/bad',
      connectionConfig('postgresql', admin, {
        connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/no_such_db_{{password}}',
      }),
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain(admin.password);
  });

  it('creates a real role that logs in and reads, with VALID UNTIL from the mock clock', async () => {
    const res = await mock.read(`database/creds/${prefix}`);
    const { username, password } = (res.body as { data: { username: string; password: string } }).data;
    expect(username).toMatch(new RegExp(`^v-root-${prefix}-[0-9A-Za-z]{20}-${Math.floor(START / 1000)}$`));
    const row = await roleRow(username);
    expect(row?.rolvaliduntil?.getTime()).toBe(START + 3_600_000 + 5_000);
    expect(scramMatches(row!.rolpassword, password)).toBe(true);
    const client = new pg.Client({ host: '127.0.0.1', database: 'test', user: username, password });
    await client.connect();
    try {
      const rows = await client.query(`SELECT count(*)::int AS n FROM public."${admin.table}"`);
      expect(rows.rows[0].n).toBe(100);
    } finally {
      await client.end();
    }
  });

  it('truncates usernames at 63 characters and honours username_template', async () => {
    await mock.write('database/config/pg', {
      username_template: `{{ printf "${prefix}-%s-%s-%s" (.RoleName | uppercase) (random 60) (unix_time) | truncate 63 }}`,
    });
    const { body } = await mock.read(`database/creds/${prefix}`);
    const username = (body as { data: { username: string } }).data.username;
    expect(username).toHaveLength(63);
    expect(username.startsWith(`${prefix}-${prefix.toUpperCase()}-`)).toBe(true);
    expect(await roleRow(username)).toBeDefined();
    const bad = await mock.request('POST', 'database/config/pg', { username_template: '{{ nope }}' });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: string[] }).errors[0]).toMatch(
      /^error creating database object: unable to initialize username template: unable to parse template: .*function "nope" not defined/,
    );
  });

  it('moves VALID UNTIL on renewal', async () => {
    const creds = await mock.read(`database/creds/${prefix}`);
    const { lease_id, data } = creds.body as { lease_id: string; data: { username: string } };
    await mock.clock.advance(30 * 60_000);
    await mock.write('sys/leases/renew', { lease_id, increment: 3600 });
    expect((await roleRow(data.username))?.rolvaliduntil?.getTime()).toBe(
      mock.clock.now() + 3_600_000 + 5_000,
    );
  });

  it('drops the role on revoke; an open session of it can no longer read (Vault does not end it)', async () => {
    const creds = await mock.read(`database/creds/${prefix}`);
    const { lease_id, data } = creds.body as {
      lease_id: string;
      data: { username: string; password: string };
    };
    const session = new pg.Client({
      host: '127.0.0.1',
      database: 'test',
      user: data.username,
      password: data.password,
    });
    await session.connect();
    try {
      await session.query(`SELECT 1 FROM public."${admin.table}" LIMIT 1`);
      expect((await mock.request('PUT', 'sys/leases/revoke', { lease_id })).status).toBe(204);
      expect(await dropped(data.username)).toBe(true);
      await expect(session.query(`SELECT 1 FROM public."${admin.table}" LIMIT 1`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await session.end();
    }
    expect(mock.databaseUsers({ role: prefix })[0]).toMatchObject({
      live: false,
      endedBy: 'revoked',
      error: null,
    });
  });

  it('drops the role when the lease ends on the mock clock, with no request made', async () => {
    const creds = await mock.read(`database/creds/${prefix}`);
    const username = (creds.body as { data: { username: string } }).data.username;
    await mock.clock.advance(3_600_000 - 1_000);
    expect(await roleRow(username)).toBeDefined();
    await mock.clock.advance(1_000);
    expect(await dropped(username)).toBe(true);
  });

  it('drops the role when the token that created it is revoked', async () => {
    await mock.write('sys/policies/acl/creds', {
      policy: 'path "database/creds/*" { capabilities = ["read"] }',
    });
    const token = (await mock.write('auth/token/create', { policies: ['creds'] })).body as {
      auth: { client_token: string };
    };
    const creds = await mock.request('GET', `database/creds/${prefix}`, undefined, {
      token: token.auth.client_token,
    });
    const username = (creds.body as { data: { username: string } }).data.username;
    expect(username).toMatch(/^v-token-/);
    await mock.request('POST', 'auth/token/revoke-self', {}, { token: token.auth.client_token });
    expect(await dropped(username)).toBe(true);
  });

  it('runs custom revocation statements, and records a revocation the database refuses', async () => {
    await mock.write(`database/roles/${prefix}-own`, {
      db_name: 'pg',
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'; GRANT CREATE ON SCHEMA "${prefix}_s" TO "{{name}}"; GRANT "{{name}}" TO "${admin.admin}"; CREATE TABLE "${prefix}_s"."{{name}}" (id int); ALTER TABLE "${prefix}_s"."{{name}}" OWNER TO "{{name}}";`,
    });
    const owning = await mock.read(`database/creds/${prefix}-own`);
    const owner = owning.body as { lease_id: string; data: { username: string } };
    // Vault's default revocation cannot drop a role that owns a table.
    await mock.write('sys/leases/revoke', { lease_id: owner.lease_id });
    expect(await roleRow(owner.data.username)).toBeDefined();
    const [record] = mock.databaseUsers({ role: `${prefix}-own` });
    expect(record).toMatchObject({ live: true });
    expect(record!.error).toMatch(
      /^failed to revoke: .*role ".*" cannot be dropped because some objects depend on it/,
    );

    await mock.write(`database/roles/${prefix}-custom`, {
      db_name: 'pg',
      creation_statements: creation(),
      revocation_statements: [`REVOKE ALL ON public."${admin.table}" FROM "{{name}}"; DROP ROLE "{{name}}";`],
    });
    const custom = (await mock.read(`database/creds/${prefix}-custom`)).body as {
      lease_id: string;
      data: { username: string };
    };
    await mock.write('sys/leases/revoke', { lease_id: custom.lease_id });
    expect(await dropped(custom.data.username)).toBe(true);
  });

  it('retries a DROP the database refused on Vault\u2019s ladder: gone once the cause is, irrevocable after six attempts', async () => {
    await mock.write(`database/roles/${prefix}-owns`, {
      db_name: 'pg',
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'; GRANT CREATE ON SCHEMA "${prefix}_s" TO "{{name}}"; GRANT "{{name}}" TO "${admin.admin}"; CREATE TABLE "${prefix}_s"."{{name}}" (id int); ALTER TABLE "${prefix}_s"."{{name}}" OWNER TO "{{name}}";`,
    });
    const read = async () =>
      (await mock.read(`database/creds/${prefix}-owns`)).body as {
        lease_id: string;
        data: { username: string };
      };
    const fixed = await read();
    const stuck = await read();
    for (const { lease_id } of [fixed, stuck]) await mock.write('sys/leases/revoke', { lease_id });
    const user = (name: string) =>
      mock.databaseUsers({ role: `${prefix}-owns` }).find((u) => u.username === name)!;
    const attempts = (name: string, n: number) =>
      settledValue(
        async () => user(name).revokeAttempts,
        (a) => a >= n,
      );
    expect(await attempts(stuck.data.username, 1)).toBe(1);
    expect(user(fixed.data.username)).toMatchObject({ live: true, revokeAttempts: 1 });

    // The operator removes what blocked one of them; the next attempt is 20 s after the failure.
    await su(`DROP TABLE "${prefix}_s"."${fixed.data.username}"`);
    await su(`REVOKE CREATE ON SCHEMA "${prefix}_s" FROM "${fixed.data.username}"`);
    await mock.clock.advance(19_000);
    expect(await roleRow(fixed.data.username)).toBeDefined();
    await mock.clock.advance(1_000);
    expect(await dropped(fixed.data.username)).toBe(true);
    expect(user(fixed.data.username)).toMatchObject({ live: false, endedBy: 'revoked', revokeAttempts: 1 });

    // The other fails again at 20 s, then 40, 80, 160 and 320 s later: six attempts, then no more.
    expect(await attempts(stuck.data.username, 2)).toBe(2);
    for (const [delay, n] of [
      [40_000, 3],
      [80_000, 4],
      [160_000, 5],
      [320_000, 6],
    ] as const) {
      await mock.clock.advance(delay - 1_000);
      expect(user(stuck.data.username).revokeAttempts).toBe(n - 1);
      await mock.clock.advance(1_000);
      expect(await attempts(stuck.data.username, n)).toBe(n);
    }
    expect(user(stuck.data.username).error).toMatch(
      /^failed to revoke after 6 attempts, the lease is irrevocable: .*cannot be dropped because some objects depend on it/,
    );
    await mock.clock.advance(3_600_000);
    expect(user(stuck.data.username)).toMatchObject({ live: true, revokeAttempts: 6 });
    expect(await roleRow(stuck.data.username)).toBeDefined();
  });

  it('undoes a failed creation: the transaction, then the rollback statements', async () => {
    await mock.write(`database/roles/${prefix}-broken`, {
      db_name: 'pg',
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'; SELECT * FROM no_such_table_at_all;`,
      rollback_statements: `DROP ROLE IF EXISTS "{{name}}";`,
    });
    const res = await mock.request('GET', `database/creds/${prefix}-broken`);
    expect(res.status).toBe(500);
    expect((res.body as { errors: string[] }).errors[0]).toMatch(
      /^1 error occurred:\n\t\* failed to execute query: relation "no_such_table_at_all" does not exist/,
    );
    expect(
      await su(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [`v-root-${prefix}-broken%`]),
    ).toEqual([]);
    expect(mock.leases({ path: `database/creds/${prefix}-broken` })).toEqual([]);
  });

  it('rotates a static role’s real password, on the period and on rotate-role', async () => {
    const account = `${prefix}_static`;
    await su(`CREATE ROLE "${account}" WITH LOGIN PASSWORD 'initial-password'`);
    await mock.write(`database/static-roles/${prefix}-static`, {
      db_name: 'pg',
      username: account,
      rotation_period: '1h',
    });
    const first = (await mock.read(`database/static-creds/${prefix}-static`)).body as {
      data: { password: string };
    };
    expect(scramMatches((await roleRow(account))!.rolpassword, first.data.password)).toBe(true);
    await mock.clock.advance(3_600_000);
    const second = (await mock.read(`database/static-creds/${prefix}-static`)).body as {
      data: { password: string };
    };
    expect(second.data.password).not.toBe(first.data.password);
    expect(scramMatches((await roleRow(account))!.rolpassword, second.data.password)).toBe(true);
    await mock.write(`database/rotate-role/${prefix}-static`);
    const third = (await mock.read(`database/static-creds/${prefix}-static`)).body as {
      data: { password: string };
    };
    expect(scramMatches((await roleRow(account))!.rolpassword, third.data.password)).toBe(true);
    expect(scramMatches((await roleRow(account))!.rolpassword, second.data.password)).toBe(false);
  });

  it('rotate-root changes the admin’s real password, and the engine keeps working', async () => {
    await mock.write('database/rotate-root/pg');
    const row = await roleRow(admin.admin);
    expect(scramMatches(row!.rolpassword, admin.password)).toBe(false);
    const read = await mock.read('database/config/pg');
    expect(JSON.stringify(read.body)).not.toMatch(/"password"/);
    const creds = await mock.read(`database/creds/${prefix}`);
    expect(await roleRow((creds.body as { data: { username: string } }).data.username)).toBeDefined();
    // Put the known password back for the other tests.
    await su(`ALTER ROLE "${admin.admin}" WITH PASSWORD '${admin.password}'`);
  });

  it('leaves no role and no session behind after the leases are revoked and the mock closed', async () => {
    const users: string[] = [];
    for (let i = 0; i < 3; i++) {
      const creds = (await mock.read(`database/creds/${prefix}`)).body as {
        data: { username: string; password: string };
      };
      users.push(creds.data.username);
      // A session of each, as an app would hold.
      const client = new pg.Client({
        host: '127.0.0.1',
        database: 'test',
        user: creds.data.username,
        password: creds.data.password,
      });
      await client.connect();
      await client.end();
    }
    await mock.write(`sys/leases/revoke-prefix/database/creds/${prefix}`);
    await mock.close();
    const left = await settledValue(
      () => pgLeftovers(prefix),
      (l) => l.sessions.length === 0,
    );
    expect(left.roles.filter((r) => users.includes(r))).toEqual([]);
    // The engine's own pool is closed with the mock: no session of its admin remains.
    expect(left.sessions).toEqual([]);
  });
});
