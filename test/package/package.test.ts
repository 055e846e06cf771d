import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
// Inside the repository, so the packed package resolves its dependencies from the repo's node_modules.
const work = join(root, '.tmp', 'package-test');
const installed = join(work, 'node_modules', 'vault-kubernetes-client');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};
const entries = Object.keys(pkg.exports).filter((e) => e !== './package.json');

/**
 * This suite tests what `npm run build` produced and never builds itself (its own step:
 * `npm run build && npm run test:package`), so a stale dist fails loudly instead of passing.
 */
function checkDist(): void {
  const built = join(root, 'dist', 'index.cjs');
  if (!existsSync(built)) throw new Error('no dist/: run `npm run build` first');
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((d) =>
        d.isDirectory() ? newest(join(dir, d.name)) : statSync(join(dir, d.name)).mtimeMs,
      ),
    );
  if (newest(join(root, 'src')) > statSync(built).mtimeMs)
    throw new Error('dist/ is older than src/: run `npm run build` first');
}

const run = (file: string) =>
  execFileSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 60_000 });

describe('the packed package', () => {
  beforeAll(() => {
    checkDist();
    rmSync(work, { recursive: true, force: true });
    mkdirSync(installed, { recursive: true });
    const tarball = execFileSync(
      'npm',
      ['pack', '--ignore-scripts', '--silent', '--pack-destination', work],
      { cwd: root, encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .at(-1)!;
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', installed, '--strip-components=1']);
  }, 120_000);

  it('ships only what is used: the entries, their chunks and types, the bin, README, LICENSE, CHANGELOG', () => {
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    const files = execFileSync('tar', ['-tzf', join(work, tarball)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    for (const file of files)
      expect(file).toMatch(
        /^package\/(dist\/[\w.-]+\.(c?js|d\.c?ts)$|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/,
      );
    for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md']) expect(files).toContain(`package/${file}`);
    // The bin is the ESM cli.js; a CommonJS copy of it would be dead weight.
    expect(files).toContain('package/dist/cli.js');
    expect(files).not.toContain('package/dist/cli.cjs');
    // Every JavaScript file is an entry or reached from one.
    const reached = new Set<string>();
    const follow = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = readFileSync(join(installed, 'dist', file), 'utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*\(?\s*|require\()['"]\.\/([^'"]+)['"]/g))
        follow(m[1]!);
    };
    const entryFiles = [
      'cli.js',
      ...entries.flatMap((e) => [`${e.slice(2) || 'index'}.js`, `${e.slice(2) || 'index'}.cjs`]),
    ];
    for (const file of entryFiles) follow(file);
    const shipped = files
      .filter((f) => /^package\/dist\/.*\.c?js$/.test(f))
      .map((f) => f.slice('package/dist/'.length));
    expect(shipped.filter((f) => !reached.has(f))).toEqual([]);
  });

  it.each(entries)(
    '%s loads with import and with require, with the same classes across subpaths',
    (entry) => {
      const specifier = `vault-kubernetes-client${entry.slice(1)}`;
      writeFileSync(
        join(work, 'esm.mjs'),
        `import * as mod from '${specifier}';\nimport * as main from 'vault-kubernetes-client';\nconsole.log(JSON.stringify({ keys: Object.keys(mod).sort(), same: main.VaultClientError === (await import('vault-kubernetes-client')).VaultClientError }));\n`,
      );
      writeFileSync(
        join(work, 'cjs.cjs'),
        `const mod = require('${specifier}');\nconst main = require('vault-kubernetes-client');\nconsole.log(JSON.stringify({ keys: Object.keys(mod).sort(), same: main.VaultClientError === require('vault-kubernetes-client').VaultClientError }));\n`,
      );
      const esm = JSON.parse(run('esm.mjs')) as { keys: string[]; same: boolean };
      const cjs = JSON.parse(run('cjs.cjs')) as { keys: string[]; same: boolean };
      expect(esm.keys.length).toBeGreaterThan(0);
      expect(cjs.keys.filter((k) => k !== 'default')).toEqual(esm.keys.filter((k) => k !== 'default'));
      expect(esm.same && cjs.same).toBe(true);
    },
  );

  it('the main entry and /testing work together from the tarball (ESM and CJS)', () => {
    const script = (kind: 'esm' | 'cjs') => `
${kind === 'esm' ? "import { VaultKubernetesClient, VaultPermissionDeniedError } from 'vault-kubernetes-client';\nimport { startMockVault } from 'vault-kubernetes-client/testing';" : "const { VaultKubernetesClient, VaultPermissionDeniedError } = require('vault-kubernetes-client');\nconst { startMockVault } = require('vault-kubernetes-client/testing');"}
(async () => {
  const mock = await startMockVault();
  await mock.setupKubernetesAuth();
  await mock.write('sys/policies/acl/myapp-policy', { policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }' });
  await mock.write('secret/data/myapp/config', { data: { a: '1' } });
  const tokenPath = await mock.cluster.writeToken({ serviceAccount: 'myapp-sa' });
  const client = new VaultKubernetesClient({ address: mock.address, auth: { role: 'myapp-role', tokenPath }, clock: mock.clock });
  const secret = await client.secret('secret/data/myapp/config');
  let denied = false;
  try { await client.read('secret/data/other'); } catch (e) { denied = e instanceof VaultPermissionDeniedError; }
  await client.close({ revoke: true });
  await mock.close();
  console.log(JSON.stringify({ a: secret.data.a, denied }));
})();
`;
    writeFileSync(join(work, 'use.mjs'), script('esm'));
    writeFileSync(join(work, 'use.cjs'), script('cjs'));
    for (const file of ['use.mjs', 'use.cjs'])
      expect(JSON.parse(run(file))).toEqual({ a: '1', denied: true });
  });

  it('the main entry never loads express or Nest (CJS at run time, ESM by its import graph)', () => {
    writeFileSync(
      join(work, 'main-only.cjs'),
      `require('vault-kubernetes-client');\nconsole.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](express|@nestjs)[\\\\/]/.test(f))));\n`,
    );
    expect(JSON.parse(run('main-only.cjs'))).toEqual([]);
    const esm = bareImportsOf(join(installed, 'dist', 'index.js'));
    expect(esm.size).toBeGreaterThan(0);
    for (const specifier of esm) expect(specifier).not.toMatch(/^(express|@nestjs\/)/);
    // The integrations do load them, which is what makes the check above mean something.
    expect(bareImportsOf(join(installed, 'dist', 'nest.js'))).toContain('@nestjs/common');
  });

  it('the integrations import the core by the package name, so every entry shares one copy of it', () => {
    for (const file of ['express.js', 'nest.js', 'express.cjs', 'nest.cjs']) {
      const text = readFileSync(join(installed, 'dist', file), 'utf8');
      expect(text).toMatch(/(from |require\()['"]vault-kubernetes-client['"]/);
    }
    const definitions = readdirSync(join(installed, 'dist'))
      .filter((f) => /\.c?js$/.test(f))
      .filter((f) =>
        /var VaultKubernetesClient = class/.test(readFileSync(join(installed, 'dist', f), 'utf8')),
      );
    expect(definitions).toHaveLength(2); // one ESM chunk, one CJS chunk
  });

  it("/express and /nest work from the tarball with the main entry's classes (ESM and CJS)", () => {
    const script = (kind: 'esm' | 'cjs') => `
${
  kind === 'esm'
    ? "import { VaultKubernetesClient } from 'vault-kubernetes-client';\nimport { startMockVault } from 'vault-kubernetes-client/testing';\nimport { vaultMiddleware, vaultReadiness } from 'vault-kubernetes-client/express';\nimport { VaultModule, VAULT_CLIENT } from 'vault-kubernetes-client/nest';\nimport { Module } from '@nestjs/common';\nimport { NestFactory } from '@nestjs/core';\nimport express from 'express';"
    : "const { VaultKubernetesClient } = require('vault-kubernetes-client');\nconst { startMockVault } = require('vault-kubernetes-client/testing');\nconst { vaultMiddleware, vaultReadiness } = require('vault-kubernetes-client/express');\nconst { VaultModule, VAULT_CLIENT } = require('vault-kubernetes-client/nest');\nconst { Module } = require('@nestjs/common');\nconst { NestFactory } = require('@nestjs/core');\nconst express = require('express');"
}
(async () => {
  const mock = await startMockVault();
  await mock.setupKubernetesAuth();
  await mock.write('sys/policies/acl/myapp-policy', { policy: 'path "secret/data/myapp/*" { capabilities = ["read"] }' });
  await mock.write('secret/data/myapp/config', { data: { a: '1' } });
  const tokenPath = await mock.cluster.writeToken({ serviceAccount: 'myapp-sa' });
  const options = { address: mock.address, auth: { role: 'myapp-role', tokenPath }, clock: mock.clock };
  class AppModule {}
  Module({ imports: [VaultModule.forRoot(options)] })(AppModule);
  const nest = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const client = nest.get(VAULT_CLIENT);
  const ready = (await vaultReadiness(client)).ready;
  const vault = vaultMiddleware(client, { secrets: { config: 'secret/data/myapp/config' } });
  const server = express().use(vault).get('/', (req, res) => res.json(vault.secrets(res).config.data)).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const body = await (await fetch('http://127.0.0.1:' + server.address().port + '/')).json();
  server.close();
  await nest.close();
  await mock.close();
  console.log(JSON.stringify({ same: client instanceof VaultKubernetesClient, ready, body, closed: client.closed }));
})();
`;
    writeFileSync(join(work, 'integrations.mjs'), script('esm'));
    writeFileSync(join(work, 'integrations.cjs'), script('cjs'));
    for (const file of ['integrations.mjs', 'integrations.cjs'])
      expect(JSON.parse(run(file))).toEqual({ same: true, ready: true, body: { a: '1' }, closed: true });
  });

  it('has a working bin: --help exits 0 with the usage, no command exits 2', () => {
    const bin = join(installed, 'dist', 'cli.js');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('mock-vault');
    const bare = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect([bare.status, bare.stdout]).toEqual([2, '']);
    expect(bare.stderr).toContain('Usage: vault-kubernetes-client <command>');
  });
});

/** Bare specifiers an ESM file imports, following its relative imports (the shared chunks). */
function bareImportsOf(file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(file)) return found;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith('.')) bareImportsOf(join(file, '..', specifier), seen, found);
    else found.add(specifier);
  }
  return found;
}
