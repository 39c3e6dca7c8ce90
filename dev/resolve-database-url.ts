import path from 'node:path';
import { Client } from 'pg';
import type { AppConfig } from '../src/config';
import { startEmbeddedPostgres } from './embedded';

/** The database the service uses inside the embedded server. */
export const EMBEDDED_DATABASE_NAME = 'audit';

/** Where `npm start` keeps the embedded server's data, relative to the working directory (git ignores `.data/`). */
export const DEFAULT_EMBEDDED_DATA_DIR = path.join('.data', 'postgres');

export interface ResolvedDatabase {
  url: string;
  /** True when the URL points at the embedded server started here (or reused from an earlier start). */
  embedded: boolean;
  /** Stops the embedded server (a no-op for DATABASE_URL, or when an already running one was reused). */
  stop(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  /** Embedded data directory; default `./.data/postgres`. */
  dataDir?: string;
  /** Embedded server's progress and log lines. */
  log?: (line: string) => void;
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL with its data under `./.data/postgres` (started on a free
 * port, its `audit` database created when missing).
 * @throws EmbeddedPostgresError (from ./embedded) with a message saying what to do when the embedded server cannot run.
 */
export async function resolveDatabaseUrl(
  config: Pick<AppConfig, 'databaseUrl'>,
  options: ResolveDatabaseOptions = {},
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };

  const server = await startEmbeddedPostgres({
    dataDir: path.resolve(options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR),
    log: options.log,
  });
  try {
    await ensureDatabase(server.url, EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const url = new URL(server.url);
  url.pathname = `/${EMBEDDED_DATABASE_NAME}`;
  return { url: url.toString(), embedded: true, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } catch (error) {
        if ((error as { code?: string }).code !== '42P04') throw error; // created meanwhile by another process
      }
    }
  } finally {
    await client.end();
  }
}
