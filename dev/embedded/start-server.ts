import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors';
import type { Launch } from './launch';
import type { EmbeddedPostgres, Log } from './public-types';
import { spawnServer, type StartOutcome } from './server-process';
import { stopper } from './stopper';
import { superuserUrl } from './superuser';

export interface ServerSettings {
  /** Unset: a free port, chosen afresh at each attempt. */
  port?: number;
  durable: boolean;
  timeoutMs: number;
}

/** Starts the server on the cluster, trying another free port (3 attempts) when the chosen one was taken meanwhile. */
export async function startServer(
  launch: Launch,
  dataDir: string,
  settings: ServerSettings,
  log: Log,
): Promise<EmbeddedPostgres> {
  const attempts = settings.port === undefined ? 3 : 1;
  let last: StartOutcome | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = settings.port ?? (await freePort());
    const started = Date.now();
    last = await spawnServer(launch, port, settings.durable, settings.timeoutMs, log);
    if (last.ok) {
      // Let the process end without stop(): the 'exit' hook then asks PostgreSQL for a fast shutdown.
      last.child.unref();
      for (const stream of [last.child.stdout, last.child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
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
