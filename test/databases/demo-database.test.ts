import { afterEach, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo';
import { pgAdmin, requireServer } from './support/servers';

/** `npm run demo` shows a real pg pool following Vault when PostgreSQL answers, the in-memory database otherwise. */
const available = await requireServer('postgresql');
const saved = process.env.PG_ADMIN_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.PG_ADMIN_URL;
  else process.env.PG_ADMIN_URL = saved;
});

describe('the demo and its database', () => {
  it.skipIf(!available)(
    'runs a real PostgreSQL pool through the rotations, fails no query, and drops its users at the end',
    {
      timeout: 60_000,
    },
    async () => {
      let out = '';
      expect(await runDemo((text) => (out += text))).toBe(0);
      const line =
        /A real PostgreSQL pool \(vault-kubernetes-client\/pg\) ran (\d+) queries as (\d+) users, (\d+) failed; (\d+) rotations, (\d+) old pools drained and ended\./.exec(
          out,
        );
      expect(line).not.toBeNull();
      const [, queries, users, failed, rotations, drained] = line!.map(Number);
      expect(queries).toBe(26);
      expect(failed).toBe(0);
      expect(rotations).toBeGreaterThanOrEqual(6);
      expect(users).toBe(rotations! + 1);
      expect(drained).toBe(rotations);
      expect(out.trimEnd().split('\n').length).toBeLessThanOrEqual(45);
      // The first user the demo printed existed on the server, and is gone after close({ revoke: true }).
      const first = /watch\('database\/creds\/app'\): user (\S+),/.exec(out)?.[1];
      expect(first).toMatch(/^v-/);
      const su = await pgAdmin();
      try {
        const { rows } = await su.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [first]);
        expect(rows).toEqual([]);
      } finally {
        await su.end();
      }
    },
  );

  it('falls back to the in-memory database when no PostgreSQL answers', { timeout: 60_000 }, async () => {
    process.env.PG_ADMIN_URL = 'postgresql://postgres@127.0.0.1:1/test';
    let out = '';
    expect(await runDemo((text) => (out += text))).toBe(0);
    expect(out).not.toContain('A real PostgreSQL pool');
    expect(out).toContain('Uses of a dead user: 0.');
  });
});
