import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The README's "Reliability and security" section promises; every promise names the tests that try
 * to break it. This keeps the names honest: a test renamed, moved or deleted fails here, so no
 * promise is left standing on a test that no longer exists.
 */

const root = resolve(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The section's bullets, each joined into one line (names may wrap across lines). */
function promises(): string[] {
  const start = readme.indexOf('\n## Reliability and security\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const bullets: string[] = [];
  for (const line of section.split('\n')) {
    if (line.startsWith('- ')) bullets.push(line.slice(2));
    else if (/^ {2}\S/.test(line) && bullets.length > 0) bullets[bullets.length - 1] += ` ${line.trim()}`;
  }
  return bullets;
}

/** `test/x.test.ts` › "name", "name": the files a promise names, each with the test names it cites. */
function references(bullet: string): { file: string; names: string[] }[] {
  const found: { file: string; names: string[] }[] = [];
  for (const m of bullet.matchAll(/`(test\/[^`]+\.test\.ts)`((?:\s*›\s*"[^"]+"(?:,\s*"[^"]+")*)?)/g)) {
    found.push({ file: m[1] ?? '', names: [...(m[2] ?? '').matchAll(/"([^"]+)"/g)].map((n) => n[1] ?? '') });
  }
  return found;
}

describe('README: Reliability and security', () => {
  const bullets = promises();

  it('has its promises (the section was found and parsed)', () => {
    expect(bullets.length).toBeGreaterThanOrEqual(20);
  });

  it('every promise names at least one test file, and every file it names exists', () => {
    const bare = bullets.filter((b) => references(b).length === 0).map((b) => b.slice(0, 80));
    expect(bare).toEqual([]);
    const missing = bullets.flatMap(references).filter((r) => !existsSync(join(root, r.file)));
    expect(missing.map((r) => r.file)).toEqual([]);
  });

  it('every test a promise names is in the file it names', () => {
    expect(absent(bullets.flatMap(references))).toEqual([]);
  });

  it('the checks have teeth: a renamed test or a missing file is caught', () => {
    const [first] = bullets.flatMap(references).filter((r) => r.names.length > 0);
    expect(first).toBeDefined();
    const renamed = { file: first!.file, names: [`${first!.names[0]} (renamed)`] };
    expect(absent([renamed])).toHaveLength(1);
    expect(absent([{ file: 'test/hostile/no-such.test.ts', names: ['x'] }])).toHaveLength(1);
  });
});

/** The cited names not found in their files (a missing file counts as all its names absent). */
function absent(refs: { file: string; names: string[] }[]): string[] {
  const out: string[] = [];
  for (const ref of refs) {
    const path = join(root, ref.file);
    const source = existsSync(path) ? readFileSync(path, 'utf8') : '';
    for (const name of ref.names) if (!source.includes(name)) out.push(`${ref.file} › "${name}"`);
  }
  return out;
}
