// What a credential rotation costs the queries of an app on `vault-kubernetes-client/pg` (and
// `/mysql2` when MariaDB answers): query latency p50 and p99 in steady state, then while the
// credentials rotate every second, then in the moment right after each rotation (the new pool
// connects and authenticates its first connections then); and the time from a replacement to
// the old pool ended (its queries and transactions finished, its connections closed). Real
// databases, the mock Vault in process with its database engine on them, real time.
//   node bench/databases.mjs [--quick]
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { VaultKubernetesClient } from '../dist/index.js';
import { createPool as createMysqlPool } from '../dist/mysql2.js';
import { createPool as createPgPool } from '../dist/pg.js';
import { startMockVault } from '../dist/testing.js';
import { emit, percentile, printTable, round } from './lib/report.mjs';

const quick = process.argv.includes('--quick');
const STEADY_MS = quick ? 4_000 : 12_000;
const ROTATIONS = quick ? 4 : 12;
const ROTATE_EVERY_MS = 1_000;
/** Queries that start within this long after a rotation count as "right after" it. */
const AFTER_MS = 250;
const WORKERS = 8;
const TRANSACTION_PAUSE_MS = 100;

const PG_ADMIN_URL = process.env.VKC_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const MYSQL = {
  host: process.env.VKC_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.VKC_MYSQL_PORT ?? 3306),
  user: process.env.VKC_MYSQL_USER ?? 'root',
  password: process.env.VKC_MYSQL_PASSWORD ?? '',
  database: 'test',
};
const prefix = `b${randomBytes(4).toString('hex').slice(0, 7)}`;

/** The two drivers, each with its server setup (a least-privileged admin, one table) and its queries. */
const drivers = {
  pg: {
    async admin() {
      const { default: pg } = await import('pg');
      const su = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
      await su.connect();
      return {
        run: (sql) => su.query(sql),
        end: () => su.end(),
      };
    },
    async setUp(admin, password) {
      await admin.run(`CREATE ROLE "${prefix}_admin" WITH LOGIN CREATEROLE PASSWORD '${password}'`);
      await admin.run(`GRANT pg_read_all_data TO "${prefix}_admin"`);
      await admin.run(`CREATE TABLE public."${prefix}_items" (id int primary key, name text)`);
      await admin.run(`ALTER TABLE public."${prefix}_items" OWNER TO "${prefix}_admin"`);
      await admin.run(
        `INSERT INTO public."${prefix}_items" SELECT g, 'item ' || g FROM generate_series(1, 100) g`,
      );
    },
    async tearDown(admin) {
      await admin.run(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE '%${prefix}%' AND pid <> pg_backend_pid()`,
      );
      await admin.run(`DROP TABLE IF EXISTS public."${prefix}_items"`);
      const { rows } = await admin.run(`SELECT rolname FROM pg_roles WHERE rolname LIKE '%${prefix}%'`);
      for (const { rolname } of rows) {
        await admin.run(`DROP OWNED BY "${rolname}" CASCADE`).catch(() => undefined);
        await admin.run(`DROP ROLE IF EXISTS "${rolname}"`);
      }
    },
    config: (password) => ({
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${new URL(PG_ADMIN_URL).host}/test`,
      username: `${prefix}_admin`,
      password,
    }),
    creation: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON public."${prefix}_items" TO "{{name}}";`,
    pool(client, path) {
      const url = new URL(PG_ADMIN_URL);
      const pool = createPgPool(client, path, {
        host: url.hostname,
        port: Number(url.port || 5432),
        database: 'test',
        max: WORKERS + 2,
      });
      const table = `public."${prefix}_items"`;
      return {
        events: pool,
        end: () => pool.end(),
        short: (id) => pool.query(`SELECT name FROM ${table} WHERE id = $1`, [id]),
        async transaction() {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            await c.query(`SELECT count(*) FROM ${table}`);
            await new Promise((resolve) => setTimeout(resolve, TRANSACTION_PAUSE_MS));
            await c.query('COMMIT');
          } finally {
            c.release();
          }
        },
      };
    },
  },
  mysql2: {
    async admin() {
      const { default: mysql } = await import('mysql2/promise');
      const root = await mysql.createConnection({ ...MYSQL, connectTimeout: 3_000 });
      return { run: async (sql) => (await root.query(sql))[0], end: () => root.end() };
    },
    async setUp(admin, password) {
      await admin.run(`CREATE USER '${prefix}_admin'@'%' IDENTIFIED BY '${password}'`);
      await admin.run(`GRANT ALL PRIVILEGES ON *.* TO '${prefix}_admin'@'%' WITH GRANT OPTION`);
      await admin.run(`CREATE TABLE test.\`${prefix}_items\` (id int primary key, name text)`);
      await admin.run(
        `INSERT INTO test.\`${prefix}_items\` (id, name) VALUES ${Array.from({ length: 100 }, (_, i) => `(${i + 1}, 'item ${i + 1}')`).join(', ')}`,
      );
    },
    async tearDown(admin) {
      const sessions = await admin.run(
        `SELECT ID AS id FROM information_schema.processlist WHERE USER LIKE '%${prefix}%'`,
      );
      for (const { id } of sessions) await admin.run(`KILL ${Number(id)}`).catch(() => undefined);
      const users = await admin.run(
        `SELECT User AS user, Host AS host FROM mysql.user WHERE User LIKE '%${prefix}%'`,
      );
      for (const { user, host } of users) await admin.run(`DROP USER '${user}'@'${host}'`);
      await admin.run(`DROP TABLE IF EXISTS test.\`${prefix}_items\``);
    },
    config: (password) => ({
      plugin_name: 'mysql-database-plugin',
      connection_url: `{{username}}:{{password}}@tcp(${MYSQL.host}:${MYSQL.port})/`,
      username: `${prefix}_admin`,
      password,
    }),
    creation: `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON test.\`${prefix}_items\` TO '{{name}}'@'%';`,
    pool(client, path) {
      const pool = createMysqlPool(client, path, {
        host: MYSQL.host,
        port: MYSQL.port,
        database: 'test',
        connectionLimit: WORKERS + 2,
      });
      const table = `test.\`${prefix}_items\``;
      return {
        events: pool,
        end: () => pool.end(),
        short: (id) => pool.execute(`SELECT name FROM ${table} WHERE id = ?`, [id]),
        async transaction() {
          const c = await pool.getConnection();
          try {
            await c.beginTransaction();
            await c.query(`SELECT count(*) FROM ${table}`);
            await new Promise((resolve) => setTimeout(resolve, TRANSACTION_PAUSE_MS));
            await c.commit();
          } finally {
            c.release();
          }
        },
      };
    },
  },
};

/** Closed-loop load for `ms`: WORKERS short-query loops and one transaction loop; every latency with its start. */
async function load(app, ms) {
  const samples = [];
  let failures = 0;
  const end = performance.now() + ms;
  const worker = async (w) => {
    for (let i = 0; performance.now() < end; i++) {
      const start = performance.now();
      try {
        await app.short(((i * WORKERS + w) % 100) + 1);
        samples.push({ start, ms: performance.now() - start });
      } catch {
        failures += 1;
      }
    }
  };
  const transactions = async () => {
    while (performance.now() < end) await app.transaction().catch(() => (failures += 1));
  };
  await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), transactions()]);
  return { samples, failures };
}

const stats = (samples) => ({
  queries: samples.length,
  p50Ms: round(
    percentile(
      samples.map((s) => s.ms),
      50,
    ),
  ),
  p99Ms: round(
    percentile(
      samples.map((s) => s.ms),
      99,
    ),
  ),
});

async function measure(name) {
  const driver = drivers[name];
  let admin;
  try {
    admin = await driver.admin();
  } catch (error) {
    return { skipped: `no ${name === 'pg' ? 'PostgreSQL' : 'MariaDB'} answers (${error.message})` };
  }
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const mock = await startMockVault();
  let client;
  let app;
  try {
    await driver.setUp(admin, password);
    await mock.setupKubernetesAuth({ policies: ['bench'] });
    await mock.write('sys/policies/acl/bench', {
      policy:
        'path "database/creds/*" { capabilities = ["read"] }\npath "sys/leases/revoke" { capabilities = ["update"] }',
    });
    await mock.write('sys/mounts/database', { type: 'database' });
    await mock.write('database/config/db', { ...driver.config(password), allowed_roles: '*' });
    await mock.write(`database/roles/${prefix}`, {
      db_name: 'db',
      creation_statements: driver.creation,
      default_ttl: '1h',
      max_ttl: '4h',
    });
    const tokenPath = await mock.cluster.writeToken({ namespace: 'default', serviceAccount: 'myapp-sa' });
    client = new VaultKubernetesClient({
      address: mock.address,
      auth: { role: 'myapp-role', tokenPath },
      logLevel: 'silent',
    });
    const path = `database/creds/${prefix}`;
    app = driver.pool(client, path);
    const rotatedAt = [];
    const drains = [];
    app.events.on('rotate', () => rotatedAt.push(performance.now()));
    app.events.on('drained', (event) => drains.push(event.drainMs));

    // Warm-up: the first credentials and the pool's connections.
    await load(app, 1_000);
    const steady = await load(app, STEADY_MS);

    // Rotations every second under the same load (the client fetches new credentials, the
    // adapter swaps pools, the old one drains and ends).
    const rotating = load(app, ROTATIONS * ROTATE_EVERY_MS + 500);
    for (let i = 0; i < ROTATIONS; i++) {
      await new Promise((resolve) => setTimeout(resolve, ROTATE_EVERY_MS));
      await client.rotate(path);
    }
    const during = await rotating;
    // The last drain may still be under way: it ends once its transaction commits.
    for (let i = 0; i < 50 && drains.length < rotatedAt.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const after = during.samples.filter((s) =>
      rotatedAt.some((at) => s.start >= at && s.start < at + AFTER_MS),
    );
    const drainSorted = [...drains].sort((a, b) => a - b);
    return {
      steady: { ...stats(steady.samples), failures: steady.failures },
      rotating: { ...stats(during.samples), failures: during.failures, rotations: rotatedAt.length },
      afterRotation: { ...stats(after), windowMs: AFTER_MS },
      p99Ratio: {
        rotating: round(stats(during.samples).p99Ms / stats(steady.samples).p99Ms),
        afterRotation: round(stats(after).p99Ms / stats(steady.samples).p99Ms),
      },
      oldPoolEndedMs: {
        min: round(drainSorted[0]),
        median: round(percentile(drainSorted, 50)),
        max: round(drainSorted.at(-1)),
        count: drains.length,
      },
    };
  } finally {
    await app?.end().catch(() => undefined);
    await client?.close({ revoke: true }).catch(() => undefined);
    await mock.close().catch(() => undefined);
    await driver.tearDown(admin).catch(() => undefined);
    await admin.end();
  }
}

const results = {};
for (const name of Object.keys(drivers)) results[name] = await measure(name);

const rows = [['driver', 'phase', 'queries', 'p50 ms', 'p99 ms', 'failed']];
for (const [name, r] of Object.entries(results)) {
  if (r.skipped) {
    rows.push([name, `skipped: ${r.skipped}`, '', '', '', '']);
    continue;
  }
  rows.push([name, 'steady state', r.steady.queries, r.steady.p50Ms, r.steady.p99Ms, r.steady.failures]);
  rows.push([
    name,
    `${r.rotating.rotations} rotations, 1/s`,
    r.rotating.queries,
    r.rotating.p50Ms,
    r.rotating.p99Ms,
    r.rotating.failures,
  ]);
  rows.push([
    name,
    `first ${AFTER_MS} ms after each`,
    r.afterRotation.queries,
    r.afterRotation.p50Ms,
    r.afterRotation.p99Ms,
    '',
  ]);
}
printTable(
  `Query latency through rotations (${WORKERS} workers, closed loop${quick ? ', quick' : ''})`,
  rows,
);
const drainRows = [['driver', 'old pool ended after replacement: min / median / max ms']];
for (const [name, r] of Object.entries(results))
  if (!r.skipped)
    drainRows.push([
      name,
      `${r.oldPoolEndedMs.min} / ${r.oldPoolEndedMs.median} / ${r.oldPoolEndedMs.max} (${r.oldPoolEndedMs.count} rotations)`,
    ]);
printTable('Drain', drainRows);
emit('databases', results);
