// What a package costs an app before it does anything: installed size with its production
// dependencies, and import time.
//
// Size: each package is installed alone into its own temp dir under /tmp with
//   npm install --omit=dev --no-audit --no-fund --ignore-scripts <spec>
// (ours from `npm pack --ignore-scripts` of this repo, so dist/ must be built: `npm run bench`
// builds first; the peers at their pinned versions from the registry, npm's cache allowed), then
// `du -sk node_modules` and the packages in node_modules/.package-lock.json. Temp dirs are removed.
//
// Import time: a fresh `node -e` process per sample, run in that install dir, timing the import or
// require of the package inside the process with performance.now() (Node's own start-up is not
// in it; a bare `node -e` is timed from outside for reference). ESM and CJS, our main entry and
// /testing; the peers are CJS only, so their ESM row is Node's CommonJS interop. SAMPLES
// interleaved samples each, median and p95. If an install fails (no registry), import times fall
// back to the copies in this repo (dist/ and the peers in node_modules) and sizes say why not.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LABEL, times, VERSIONS } from '../lib/peers.mjs';
import { emit, median, percentile, printTable, round } from '../lib/report.mjs';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SAMPLES = 20;
const OURS = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')).name;

if (!existsSync(join(repo, 'dist', 'index.js'))) {
  console.error('dist/ is not built: run `npm run build` (or `npm run bench`, which builds first)');
  process.exit(1);
}

const tmp = await mkdtemp('/tmp/vkc-footprint-');
const packages = {
  ours: { name: OURS, spec: undefined },
  nodeVault: { name: 'node-vault', spec: `node-vault@${VERSIONS.nodeVault}` },
  nodeVaultClient: { name: 'node-vault-client', spec: `node-vault-client@${VERSIONS.nodeVaultClient}` },
};
const KEYS = Object.keys(packages);

async function install(key) {
  const pkg = packages[key];
  const dir = join(tmp, key);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `footprint-${key}`, private: true }));
  try {
    await run(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', pkg.spec],
      { cwd: dir, timeout: 300_000 },
    );
  } catch (error) {
    return {
      error: String(error.stderr || error.message)
        .trim()
        .split('\n')[0],
    };
  }
  const { stdout } = await run('du', ['-sk', 'node_modules'], { cwd: dir });
  const { stdout: own } = await run('du', ['-sk', join('node_modules', pkg.name)], { cwd: dir });
  // The biggest installed packages (top-level and scoped directories), for the "why".
  const top = (await readdir(join(dir, 'node_modules'))).filter((n) => !n.startsWith('.'));
  const dirs = (
    await Promise.all(
      top.map(async (n) =>
        n.startsWith('@') ? (await readdir(join(dir, 'node_modules', n))).map((m) => `${n}/${m}`) : [n],
      ),
    )
  ).flat();
  const { stdout: each } = await run('du', ['-sk', ...dirs], { cwd: join(dir, 'node_modules') });
  const biggest = each
    .trim()
    .split('\n')
    .map((l) => l.split('\t'))
    .map(([kb, name]) => ({ name, kb: Number(kb) }))
    .sort((a, b) => b.kb - a.kb)
    .slice(0, 3);
  const lock = JSON.parse(await readFile(join(dir, 'node_modules', '.package-lock.json'), 'utf8'));
  const names = Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/'));
  return {
    dir,
    kb: Number(stdout.split(/\s/)[0]),
    ownKb: Number(own.split(/\s/)[0]),
    // The package itself included, as in docs/peers.md.
    packages: names.length,
    direct: Object.keys(lock.packages[`node_modules/${pkg.name}`]?.dependencies ?? {}).length,
    biggest,
  };
}

let packed;
const installs = {};
try {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: repo,
    timeout: 120_000,
  });
  const [info] = JSON.parse(stdout);
  packed = {
    file: join(tmp, info.filename),
    sizeKb: round(info.size / 1024),
    unpackedKb: round(info.unpackedSize / 1024),
  };
  packages.ours.spec = packed.file;
  for (const key of KEYS) installs[key] = await install(key);

  // Import time. Each target is [client key, label, module format, specifier].
  const targets = [
    ['ours', 'main entry, ESM', 'esm', OURS],
    ['ours', 'main entry, CJS', 'cjs', OURS],
    ['ours', '/testing, ESM', 'esm', `${OURS}/testing`],
    ['ours', '/testing, CJS', 'cjs', `${OURS}/testing`],
    ['nodeVault', 'main entry, ESM (interop)', 'esm', 'node-vault'],
    ['nodeVault', 'main entry, CJS', 'cjs', 'node-vault'],
    ['nodeVaultClient', 'main entry, ESM (interop)', 'esm', 'node-vault-client'],
    ['nodeVaultClient', 'main entry, CJS', 'cjs', 'node-vault-client'],
  ];
  // Where to run: the temp install, or this repo when the install failed (ours by self-reference).
  const cwdOf = (key) => installs[key].dir ?? repo;
  const code = (format, specifier) =>
    format === 'esm'
      ? `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`
      : `const t = performance.now(); require(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const sample = (args, cwd) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      child.on('close', (exit) => {
        const wallMs = performance.now() - started;
        if (exit !== 0) reject(new Error(`node ${args.join(' ')} exited with ${exit}`));
        else resolve({ importMs: Number(out.trim()), wallMs });
      });
    });
  const samples = targets.map(() => []);
  const bare = [];
  for (let i = 0; i < SAMPLES; i++) {
    bare.push((await sample(['-e', ''], tmp)).wallMs);
    for (const [t, [key, , format, specifier]] of targets.entries()) {
      const args =
        format === 'esm'
          ? ['--input-type=module', '-e', code(format, specifier)]
          : ['-e', code(format, specifier)];
      samples[t].push(await sample(args, cwdOf(key)));
    }
  }
  const imports = targets.map(([key, label, format], t) => ({
    key,
    label,
    format,
    medianMs: round(median(samples[t].map((s) => s.importMs))),
    p95Ms: round(
      percentile(
        samples[t].map((s) => s.importMs),
        95,
      ),
    ),
    processMedianMs: round(median(samples[t].map((s) => s.wallMs))),
    from: installs[key].dir ? 'temp install' : 'this repo',
  }));
  const bareMs = round(median(bare));

  const find = (key, format) =>
    imports.find((i) => i.key === key && i.format === format && !i.label.startsWith('/'));
  const rows = [['', ...KEYS.map((k) => LABEL[k])]];
  const line = (label, f) => rows.push([label, ...KEYS.map((k) => String(f(k)))]);
  const size = (k, f) => (installs[k].error ? `not measured: ${installs[k].error}` : f(installs[k]));
  line('installed size, production deps (du -sk)', (k) => size(k, (i) => `${round(i.kb / 1024)} MB`));
  line('packages installed (incl. itself)', (k) => size(k, (i) => i.packages));
  line('direct dependencies', (k) => size(k, (i) => i.direct));
  line('its own directory', (k) => size(k, (i) => `${i.ownKb} KB`));
  line('largest packages', (k) =>
    size(k, (i) =>
      i.biggest
        .map((b) => `${b.name} ${b.kb >= 1024 ? `${round(b.kb / 1024)} MB` : `${b.kb} KB`}`)
        .join(', '),
    ),
  );
  line('size, x ours', (k) => size(k, (i) => (installs.ours.kb ? times(i.kb, installs.ours.kb) : '-')));
  line('packages, x ours', (k) =>
    size(k, (i) => (installs.ours.packages ? times(i.packages, installs.ours.packages) : '-')),
  );
  for (const format of ['esm', 'cjs']) {
    line(`import ms, main entry, ${format.toUpperCase()} (median)`, (k) => find(k, format).medianMs);
    line(`import ms, main entry, ${format.toUpperCase()} (p95)`, (k) => find(k, format).p95Ms);
    line(`import, main entry, ${format.toUpperCase()}, x ours`, (k) =>
      times(find(k, format).medianMs, find('ours', format).medianMs),
    );
  }
  const testing = (format) => imports.find((i) => i.key === 'ours' && i.label === `/testing, ${format}`);
  line('import ms, /testing ESM / CJS (median)', (k) =>
    k === 'ours' ? `${testing('ESM').medianMs} / ${testing('CJS').medianMs}` : 'cannot: ships no mock Vault',
  );
  line('module formats', (k) => (k === 'ours' ? 'ESM + CJS' : 'CJS only (ESM via interop)'));
  printTable(
    `Footprint: install alone with production dependencies; import time in a fresh node process, median of ${SAMPLES} (a bare \`node -e ""\` process takes ${bareMs} ms)`,
    rows,
  );
  console.log(
    `ours packed from this repo: ${packed.sizeKb} KB tarball, ${packed.unpackedKb} KB unpacked; import times from: ${KEYS.map((k) => `${k} ${installs[k].dir ? 'temp install' : 'this repo (install failed)'}`).join(', ')}`,
  );

  emit('peers-footprint', {
    samples: SAMPLES,
    packed,
    install: Object.fromEntries(
      KEYS.map((k) => [
        k,
        installs[k].error
          ? { error: installs[k].error }
          : {
              mb: round(installs[k].kb / 1024),
              packages: installs[k].packages,
              direct: installs[k].direct,
              biggest: installs[k].biggest,
            },
      ]),
    ),
    importMs: Object.fromEntries(
      KEYS.map((k) => [
        k,
        Object.fromEntries(
          imports.filter((i) => i.key === k).map((i) => [i.label, { median: i.medianMs, p95: i.p95Ms }]),
        ),
      ]),
    ),
    bareNodeMs: bareMs,
  });
} finally {
  await rm(tmp, { recursive: true, force: true });
}
