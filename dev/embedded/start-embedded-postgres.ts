import { closeSync } from 'node:fs';
import path from 'node:path';
import { prepareDataDir } from './data-dir';
import { handOverDataDir } from './data-dir-handover';
import { initialiseCluster } from './initdb';
import type { Launch } from './launch';
import { usableBinaries } from './probe-binaries';
import type { EmbeddedPostgres, EmbeddedPostgresOptions } from './public-types';
import { attachToRunningServer } from './reuse';
import { runnableBinDir } from './runnable-bin-dir';
import { startServer } from './start-server';
import { isRoot, unprivilegedUser } from './unprivileged-user';

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

  const binaries = usableBinaries();
  const runAs = isRoot() ? unprivilegedUser(log) : undefined;
  const binDir = await runnableBinDir(binaries, runAs, log);

  const { initialised } = await prepareDataDir(dataDir);
  const attached = await attachToRunningServer(dataDir, log);
  if (attached) return attached;

  const launch: Launch = { binDir, runAs, ...(await handOverDataDir(dataDir, runAs, log)) };
  try {
    if (!initialised) await initialiseCluster(launch, dataDir, durable, log);
    return await startServer(launch, dataDir, { port: options.port, durable, timeoutMs }, log);
  } finally {
    if (launch.dataFd !== undefined) closeSync(launch.dataFd); // the server holds its own copy
  }
}
