// A directory root keeps for the embedded PostgreSQL when the project's own folder is out of the
// `postgres` account's reach (a clone under /root, a mode-700 mktemp directory). Its every
// component is checked: a real directory, owned by root, writable by root alone, so nobody
// else can swap the binaries the cluster runs or read the credentials kept beside it.
import { lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where root keeps Tenantry's state outside a project: the first of these that can be made safe. */
const ROOT_STATE_DIRS = ['/var/lib/tenantry', join(tmpdir(), 'tenantry-root')];

async function assertSafeComponent(path: string, strict: boolean): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink() || !info.isDirectory()) throw new Error(`${path} is not a directory (a link or a file stands there)`);
  // The sticky, world-writable /tmp is a fine parent: nobody can rename what root made in it.
  const sharedButSticky = !strict && (info.mode & 0o1000) !== 0;
  if (info.uid !== 0 || ((info.mode & 0o022) !== 0 && !sharedButSticky)) {
    throw new Error(`${path} must be owned by root and writable by root alone (owner ${info.uid}, mode ${(info.mode & 0o7777).toString(8)})`);
  }
}

/** Makes `path` (mode 0755) and checks it and every parent; throws naming the first unsafe one. */
async function safeDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: 0o755 });
  await assertSafeComponent(path, true);
  for (let current = dirname(path); current !== dirname(current); current = dirname(current)) await assertSafeComponent(current, false);
  return path;
}

/**
 * A checked, root-owned directory `<state>/<name>`, under /var/lib/tenantry or, where that
 * cannot be made (a read-only /var), under the temporary directory.
 */
export async function rootStateDir(name: string): Promise<string> {
  const problems: string[] = [];
  for (const base of ROOT_STATE_DIRS) {
    try {
      return await safeDir(join(base, name));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  throw new Error(`no safe place for the embedded PostgreSQL's ${name}: ${problems.join('; ')}`);
}
