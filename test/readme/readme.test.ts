import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readmeBlocks, readmeLinks } from './readme-blocks';

const root = resolve(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { homepage: string };
const repository = pkg.homepage.replace(/#readme$/, '');

describe('README', () => {
  it('every TypeScript block compiles on its own (imports included), against the package as published', () => {
    const blocks = readmeBlocks(readme).filter((b) => b.lang === 'ts' || b.lang === 'typescript');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const dir = join(root, '.tmp', 'readme-blocks');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Each block is its own module (top-level await allowed), named for where it sits.
    const files = blocks.map((block, i) => {
      const file = join(dir, `block-${String(i + 1).padStart(2, '0')}-line-${block.line}.ts`);
      writeFileSync(file, `${block.code}\nexport {};\n`);
      return file;
    });
    const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram(files, { ...parsed.options, noUnusedLocals: false, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(resolve(d.file.fileName)))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const block = blocks[files.indexOf(resolve(d.file!.fileName))]!;
        return `README line ${block.line + 1 + line} (${block.heading}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 180_000);

  it('the Testing block is a real test: it runs under vitest against the mock and passes', () => {
    const block = readmeBlocks(readme).find(
      (b) => b.lang === 'ts' && b.heading.startsWith('Testing your app'),
    );
    expect(block?.code).toContain('mock.clock.advance');
    const dir = join(root, '.tmp', 'readme-run');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'test'), { recursive: true });
    writeFileSync(join(dir, 'test', 'readme-testing-block.test.ts'), block!.code);
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        join(root, 'vitest.config.ts'),
        '--root',
        dir,
      ],
      { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 passed/);
  }, 150_000);

  it('speaks for itself: no "the article" without saying which', () => {
    expect(readme).not.toMatch(/\bthe article\b/i);
  });

  it('links work on npm too: no relative links; links into this repository name files that exist', () => {
    const links = readmeLinks(readme);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      // npm renders the README away from the repository, where a relative link leads nowhere.
      expect(link, link).toMatch(/^(https:\/\/|#)/);
      if (!link.startsWith(`${repository}/`)) continue;
      const path = link.slice(repository.length).replace(/^\/(blob|tree)\/main\//, '');
      expect(existsSync(join(root, decodeURIComponent(path))), link).toBe(true);
    }
  });

  it('every runnable command it lists is a script of package.json', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const script of named) expect(scripts, `npm run ${script}`).toContain(script);
  });
});
