import { execFileSync } from 'node:child_process';
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

/** Whether dist is missing or older than any source file: then the test builds first. */
function distIsStale(): boolean {
  const built = join(root, 'dist', 'index.js');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((d) =>
        d.isDirectory() ? newest(join(dir, d.name)) : statSync(join(dir, d.name)).mtimeMs,
      ),
    );
  return newest(join(root, 'src')) > builtAt;
}

const run = (file: string) =>
  execFileSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 60_000 });

describe('the packed package', () => {
  beforeAll(() => {
    if (distIsStale()) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
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

  it('ships only dist, package.json, README and license', () => {
    const files = execFileSync(
      'tar',
      [
        '-tzf',
        join(
          work,
          execFileSync('ls', [work], { encoding: 'utf8' })
            .split('\n')
            .find((f) => f.endsWith('.tgz'))!,
        ),
      ],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n');
    for (const file of files) expect(file).toMatch(/^package\/(dist\/|package\.json$|README\.md$|LICENSE)/);
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

  it('has a working bin', () => {
    const out = execFileSync(process.execPath, [join(installed, 'dist', 'cli.js'), 'help'], {
      encoding: 'utf8',
    });
    expect(out).toContain('mock-vault');
  });
});
