import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { databaseUrl } from './postgres';

/** CPU seconds used so far by this process. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU ticks of a process from /proc/<pid>/stat, with its command name: its own (utime + stime), and its
 * ended children's (cutime + cstime) that it waited for. Null once it has ended.
 */
function procStat(pid: string): { name: string; ticks: number; endedChildrenTicks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, close),
      ticks: Number(fields[11]) + Number(fields[12]),
      endedChildrenTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by the local PostgreSQL server's processes, ended ones included (read from /proc; 0 when the
 * server is elsewhere or /proc is not readable). Only meaningful as a difference between two calls
 * over the same stretch of time, when the server is on this machine.
 */
export function postgresCpuSeconds(): number {
  return serverCpuSeconds('postgres');
}

/**
 * CPU seconds used so far by the processes of this machine with the command name `name` (`nats-server`),
 * their ended children included; 0 when none runs here. As `postgresCpuSeconds`, only meaningful as a difference.
 */
export function serverCpuSeconds(name: string): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    // A PostgreSQL backend that ended meanwhile is counted in the postmaster's ended children.
    if (stat?.name === name) ticks += stat.ticks + stat.endedChildrenTicks;
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * CPU seconds the whole machine has spent busy so far, over all its cores (from /proc/stat: user, nice,
 * system and interrupts; not idle, I/O wait or time the hypervisor stole; 0 when not readable). Divided by a stretch's seconds, the cores it kept busy.
 */
export function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq] = fields;
    return (user + nice + system + irq + softirq) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by another process of this machine (a bench's child); 0 once it has ended. */
export function processCpuSeconds(pid: number): number {
  return (procStat(String(pid))?.ticks ?? 0) / TICKS_PER_SECOND;
}

/**
 * Waits until this process is idle (under `threshold` of one core over a `windowMs` window), at most
 * `maxMs`; resolves with the milliseconds waited. Used between phases so that background work a phase
 * started in the server (the alert evaluator catching up) does not run into the next phase. Only this
 * process is watched: the PostgreSQL server may be serving other clients.
 */
export async function settle({ threshold = 0.1, windowMs = 300, maxMs = 30_000 } = {}): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    const own0 = ownCpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    if ((ownCpuSeconds() - own0) / (windowMs / 1000) < threshold) break;
  }
  return Date.now() - started;
}

/**
 * CPU seconds so far of the PostgreSQL backends serving `database` (from /proc, by their pids in
 * pg_stat_activity): this bench's own, not the other clients' of a shared server.
 */
export async function backendCpu(watch: Client, database: string): Promise<Map<number, number>> {
  const { rows } = await watch.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows as Array<{ pid: number }>) {
    const stat = procStat(String(pid));
    // One that ended meanwhile is left out.
    if (stat) cpu.set(pid, stat.ticks / TICKS_PER_SECOND);
  }
  return cpu;
}

export const cpuSince = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((sum, [pid, seconds]) => sum + seconds - (before.get(pid) ?? 0), 0);

/**
 * CPU seconds of the PostgreSQL backends connected to one database, found in `pg_stat_activity` every `everyMs`
 * (from a connection to another database, so not counting itself): unlike `postgresCpuSeconds`, not the other
 * clients of a shared server, nor its background processes (WAL writer, checkpointer). A backend that ends between
 * two samples loses what it spent since the last one.
 */
export class DatabaseBackendsCpu {
  /** Per backend, its ticks when first seen (0 for one that started after the first sample) and the last ones read. */
  private readonly backends = new Map<number, { base: number; last: number }>();
  private first = true;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly client: Client,
    private readonly database: string,
    everyMs: number,
  ) {
    this.timer = setInterval(() => void this.sample().catch(() => undefined), everyMs);
    this.timer.unref();
  }

  static async start(database: string, everyMs = 200): Promise<DatabaseBackendsCpu> {
    const client = new Client({ connectionString: databaseUrl('postgres') });
    await client.connect();
    const sampler = new DatabaseBackendsCpu(client, database, everyMs);
    await sampler.sample();
    return sampler;
  }

  /** CPU seconds of the database's backends since the sampler started. */
  async seconds(): Promise<number> {
    await this.sample();
    let ticks = 0;
    for (const { base, last } of this.backends.values()) ticks += last - base;
    return ticks / TICKS_PER_SECOND;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.end();
  }

  private async sample(): Promise<void> {
    const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      this.database,
    ]);
    for (const { pid } of rows) {
      const ticks = procStat(String(pid))?.ticks;
      if (ticks === undefined) continue;
      const known = this.backends.get(pid);
      if (known) known.last = Math.max(known.last, ticks);
      else this.backends.set(pid, { base: this.first ? ticks : 0, last: ticks });
    }
    this.first = false;
  }
}
