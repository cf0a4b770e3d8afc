// `npm run build` (also run by `npm install`, and by `npm start` before it serves): builds each
// workspace package whose inputs changed since its last build, and skips the rest. A package's
// fingerprint is the path, size and modification time of every input file; the build writes it
// to dist/.build-fingerprint, so a deleted or partial dist (no fingerprint) is rebuilt.
// `--force` rebuilds everything.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** In dependency order: the server's build type-checks against the library's declarations. */
const PACKAGES = [
  { dir: 'packages/tenantry', inputs: ['src', 'package.json', 'tsconfig.build.json', '../../tsconfig.base.json', '../../scripts/copy-assets.mjs'] },
  { dir: 'packages/server', inputs: ['src', 'package.json', 'tsconfig.build.json', '../../tsconfig.base.json'] },
  { dir: 'packages/dashboard', inputs: ['src', 'index.html', 'package.json', 'tsconfig.json', 'vite.config.ts'] },
];

/** Test files are never built, so changing one does not make a package stale. */
const isBuildInput = (name) => !/\.test\.tsx?$/.test(name);

function* filesUnder(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return;
  if (!info.isDirectory()) {
    yield [path, info];
    return;
  }
  for (const entry of readdirSync(path).sort()) if (isBuildInput(entry)) yield* filesUnder(join(path, entry));
}

function fingerprint(pkg) {
  const hash = createHash('sha256');
  for (const input of pkg.inputs) {
    for (const [file, info] of filesUnder(join(ROOT, pkg.dir, input))) hash.update(`${relative(ROOT, file)}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const stampOf = (pkg) => join(ROOT, pkg.dir, 'dist', '.build-fingerprint');

const force = process.argv.includes('--force');
const quiet = process.argv.includes('--quiet');
let failed = false;
for (const pkg of PACKAGES) {
  const want = fingerprint(pkg);
  const have = existsSync(stampOf(pkg)) ? readFileSync(stampOf(pkg), 'utf8') : '';
  if (!force && have === want) {
    if (!quiet) console.log(`${pkg.dir}: up to date`);
    continue;
  }
  const started = Date.now();
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: join(ROOT, pkg.dir), stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  if (result.status !== 0) {
    console.error(`${pkg.dir}: build failed (exit ${result.status ?? result.signal})`);
    failed = true;
    break;
  }
  // Fingerprinted after the build: inputs that changed during it make the next run build again.
  writeFileSync(stampOf(pkg), want === fingerprint(pkg) ? want : '');
  if (!quiet) console.log(`${pkg.dir}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(failed ? 1 : 0);
