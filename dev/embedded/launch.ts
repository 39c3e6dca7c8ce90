import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { DataDirHandover } from './data-dir-handover';
import { asUser, type RunAs } from './unprivileged-user';

/** Everything initdb and postgres are run with. */
export interface Launch extends DataDirHandover {
  binDir: string;
  runAs?: RunAs;
}

/** The environment of every PostgreSQL binary we run (initdb, postgres, the version probe). */
export function childEnv(): NodeJS.ProcessEnv {
  // Nothing from the caller's PG* variables (PGDATA, PGPORT, ...) may leak into initdb/postgres.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  if (process.platform === 'win32') Object.assign(env, { SystemRoot: process.env.SystemRoot, TEMP: process.env.TEMP });
  return env;
}

export function spawnOptions(launch: Launch): SpawnOptions {
  return {
    env: childEnv(),
    windowsHide: true,
    // The data directory's descriptor, when handed over, becomes the child's fd 3 (its /proc/self/fd/3).
    stdio: launch.dataFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', launch.dataFd],
    ...asUser(launch.runAs),
  };
}

/** Calls `onLine` for each non-blank line the child writes to stdout or stderr. */
export function onOutputLines(child: ChildProcess, onLine: (line: string) => void): void {
  // One buffer for both streams: the lines only feed the log and the readiness check, where that does not matter.
  let rest = '';
  const split = (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
  child.stdout?.on('data', split);
  child.stderr?.on('data', split);
}
