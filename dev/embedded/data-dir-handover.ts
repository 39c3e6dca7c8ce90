import { spawnSync } from 'node:child_process';
import { constants as fsConstants, promises as fs, openSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors';
import type { Log } from './public-types';
import { asUser, type RunAs } from './unprivileged-user';

/** How initdb/postgres are told where their data directory is. */
export interface DataDirHandover {
  /** What PostgreSQL is told its data directory is: the real path, or /proc/self/fd/3. */
  pgdata: string;
  /** An open descriptor of the data directory, handed over as fd 3; undefined when the path itself is used. */
  dataFd?: number;
}

/**
 * Gives the data directory to `runAs` (owner, mode 0700, as PostgreSQL demands). When that user cannot traverse
 * its parent folders (e.g. under /root), the directory is opened here, as root, and handed over as an inherited
 * descriptor: PostgreSQL uses relative paths once it has changed into its data directory. The caller closes `dataFd`
 * once the child processes have been spawned.
 */
export async function handOverDataDir(dataDir: string, runAs: RunAs | undefined, log: Log): Promise<DataDirHandover> {
  if (!runAs) return { pgdata: dataDir };
  const stat = await fs.stat(dataDir);
  if (stat.uid !== runAs.uid || stat.gid !== runAs.gid) await chownTree(dataDir, runAs.uid, runAs.gid);
  await fs.chmod(dataDir, 0o700);
  if (canEnter(dataDir, runAs)) return { pgdata: dataDir };
  if (process.platform !== 'linux') {
    throw new EmbeddedPostgresError(
      `user "${runAs.name}" cannot reach ${dataDir}: choose a data directory it can reach`,
    );
  }
  const dataFd = openSync(dataDir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  log(`user "${runAs.name}" cannot reach ${dataDir}: handing it over as an open directory (/proc/self/fd/3)`);
  return { pgdata: '/proc/self/fd/3', dataFd }; // fd 3: see spawnOptions() in ./launch
}

/** True when `user` can enter `dir` (every folder above it must be searchable). */
function canEnter(dir: string, user: RunAs): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...asUser(user), stdio: 'ignore' });
  return result.status === 0;
}

async function chownTree(target: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(target, uid, gid);
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await chownTree(path.join(target, entry), uid, gid);
}
