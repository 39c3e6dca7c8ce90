import { execFileSync } from 'node:child_process';
import { EmbeddedPostgresError } from './errors';
import type { Log } from './public-types';

/** The account that runs initdb/postgres when we are root (PostgreSQL refuses to run as root). */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** The system account we look for, then create, when EMBEDDED_POSTGRES_USER is not set. */
const DEFAULT_USER = 'postgres';

const CREATE_SYSTEM_USER: [string, string[]][] = [
  [
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin'],
  ],
  ['adduser', ['-S', '-D', '-H', '-s', '/sbin/nologin']], // BusyBox (Alpine)
];

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Spawn options that run a child as `runAs` (from `/`, which every user can enter); none when not given. */
export function asUser(runAs: RunAs | undefined): { uid?: number; gid?: number; cwd?: string } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: '/' } : {};
}

function lookupUser(name: string): RunAs | undefined {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  try {
    const uid = id('-u');
    const gid = id('-g');
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { name, uid, gid };
  } catch {
    // no such user
  }
  return undefined;
}

/** EMBEDDED_POSTGRES_USER, else `postgres` (created as a system user when missing), else `nobody`. */
export function unprivilegedUser(log: Log): RunAs {
  const wanted = process.env.EMBEDDED_POSTGRES_USER;
  if (wanted) {
    const user = lookupUser(wanted);
    if (!user) throw new EmbeddedPostgresError(`EMBEDDED_POSTGRES_USER="${wanted}" is not an existing non-root user`);
    return user;
  }
  const existing = lookupUser(DEFAULT_USER);
  if (existing) return existing;
  for (const [command, args] of CREATE_SYSTEM_USER) {
    try {
      execFileSync(command, [...args, DEFAULT_USER], { stdio: 'ignore' });
      const created = lookupUser(DEFAULT_USER);
      if (created) {
        log(`created the system user "${DEFAULT_USER}" to run the embedded PostgreSQL (it refuses to run as root)`);
        return created;
      }
    } catch {
      // try the next way
    }
  }
  const nobody = lookupUser('nobody');
  if (nobody) {
    log('running the embedded PostgreSQL as "nobody" (no "postgres" user exists and none could be created)');
    return nobody;
  }
  throw new EmbeddedPostgresError(
    'PostgreSQL cannot run as root and no unprivileged user could be found or created: ' +
      'create one (e.g. `useradd --system postgres`) or set EMBEDDED_POSTGRES_USER, or set DATABASE_URL.',
  );
}
