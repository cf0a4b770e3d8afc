// The operating-system account the embedded PostgreSQL runs as. PostgreSQL refuses to run as
// root, so a root process runs it as `postgres` (created when missing), and everything that
// account must read or execute is checked *as that account*, not guessed from mode bits.
import { execFileSync, spawnSync } from 'node:child_process';

/** Who runs the cluster's processes: the current user, or (as root) the `postgres` account. */
export interface ClusterAccount {
  readonly name: string;
  /** Set when the processes must switch user (we are root); absent when they run as we do. */
  readonly ids?: { readonly uid: number; readonly gid: number };
}

function idOf(flag: '-u' | '-g', name: string): number | undefined {
  try {
    const value = Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isSafeInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The account for the cluster: ourselves, unless we are root, then `postgres` (created as a
 * system account without a home or login shell when the machine has none).
 */
export function clusterAccount(): ClusterAccount {
  if (process.getuid?.() !== 0) return { name: 'current user' };
  if (idOf('-u', 'postgres') === undefined) {
    const withGroup = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    // A `postgres` group without the user (left by a removed package): join it instead.
    if (withGroup.status !== 0) spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  }
  const uid = idOf('-u', 'postgres');
  const gid = idOf('-g', 'postgres');
  if (uid === undefined || gid === undefined) throw new Error('running as root, PostgreSQL needs a "postgres" account, and useradd could not create one');
  return { name: 'postgres', ids: { uid, gid } };
}

/**
 * True when `account` can do `test <flag> path` (`-x` execute or enter, `-r` read, `-w` write)
 * — asked of the kernel as that account, so parents, groups and ACLs all count.
 */
export function accountCan(account: ClusterAccount, flag: '-x' | '-r' | '-w', path: string): boolean {
  const result = spawnSync('test', [flag, path], { stdio: 'ignore', ...(account.ids ?? {}) });
  return result.status === 0;
}
