import { spawn } from 'node:child_process';
import { executable } from './binaries';
import { emptyDataDir } from './data-dir';
import { EmbeddedPostgresError } from './errors';
import { onOutputLines, spawnOptions, type Launch } from './launch';
import type { Log } from './public-types';
import { SUPERUSER } from './superuser';

/** Runs initdb on the (empty) data directory; on failure empties it again, so that the next start initialises anew. */
export async function initialiseCluster(launch: Launch, dataDir: string, durable: boolean, log: Log): Promise<void> {
  const started = Date.now();
  log(`initialising a PostgreSQL cluster in ${dataDir}${launch.runAs ? ` (running as "${launch.runAs.name}")` : ''}`);
  try {
    await initdb(launch, durable, log);
  } catch (error) {
    await emptyDataDir(dataDir);
    throw error;
  }
  log(`initialised in ${Date.now() - started} ms`);
}

async function initdb(launch: Launch, durable: boolean, log: Log): Promise<void> {
  const args = [
    `--pgdata=${launch.pgdata}`,
    `--username=${SUPERUSER}`,
    '--auth=trust', // no password anywhere: the server listens on 127.0.0.1 only
    '--encoding=UTF8',
    '--locale=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--no-instructions',
    ...(durable ? [] : ['--no-sync']),
  ];
  const child = spawn(executable(launch.binDir, 'initdb'), args, spawnOptions(launch));
  const output: string[] = [];
  onOutputLines(child, (line) => {
    output.push(line);
    log(`initdb: ${line}`);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new EmbeddedPostgresError(`initdb failed (exit code ${code}):\n${output.slice(-20).join('\n')}`);
  }
}
