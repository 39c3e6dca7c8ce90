import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { EmbeddedPostgres, Log } from './public-types';
import { superuserUrl } from './superuser';

/**
 * The server already running on this data directory (e.g. `npm start` while `npm run seed` runs), as a handle whose
 * stop() leaves it running: it belongs to whoever started it.
 */
export async function attachToRunningServer(dataDir: string, log: Log): Promise<EmbeddedPostgres | undefined> {
  const running = await runningServer(dataDir);
  if (!running) return undefined;
  log(`reusing the PostgreSQL already running on ${dataDir} (pid ${running.pid}, port ${running.port})`);
  return { url: superuserUrl(running.port), port: running.port, dataDir, stop: async () => undefined };
}

/** Reads postmaster.pid (line 1: pid, line 4: port) and checks that this server really answers. */
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
    process.kill(pid, 0); // EPERM: alive, but run by the unprivileged user
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined; // stale lock file: postgres removes it
  }
  return (await answers(port)) ? { pid, port } : undefined;
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
