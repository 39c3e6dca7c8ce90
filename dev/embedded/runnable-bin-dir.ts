import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Binaries } from './binaries';
import { EmbeddedPostgresError } from './errors';
import { probeBinaries } from './probe-binaries';
import type { Log } from './public-types';
import { stageBinaries } from './stage-binaries';
import type { RunAs } from './unprivileged-user';

/** The `bin` folder the server's user can run from: the package's own, else (root under /root...) a staged copy. */
export async function runnableBinDir(binaries: Binaries, runAs: RunAs | undefined, log: Log): Promise<string> {
  if (!runAs || probeBinaries(binaries.nativeDir, runAs).ok) return path.join(binaries.nativeDir, 'bin');
  let staged = await stageBinaries(binaries, log);
  if (!probeBinaries(staged, runAs).ok) {
    // e.g. a tmp cleaner removed part of an earlier copy: stage afresh once
    await fs.rm(staged, { recursive: true, force: true });
    staged = await stageBinaries(binaries, log);
  }
  const again = probeBinaries(staged, runAs);
  if (!again.ok) {
    throw new EmbeddedPostgresError(
      `user "${runAs.name}" cannot run the PostgreSQL binaries in ${staged}: ${again.reason}`,
    );
  }
  return path.join(staged, 'bin');
}
