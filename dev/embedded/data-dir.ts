import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors';

/**
 * Creates the data directory when missing and tells whether it already holds a cluster.
 * @throws EmbeddedPostgresError when it holds something else: initdb would fail, or worse, mix with it.
 */
export async function prepareDataDir(dataDir: string): Promise<{ initialised: boolean }> {
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised && (await fs.readdir(dataDir)).length > 0) {
    throw new EmbeddedPostgresError(`${dataDir} is neither empty nor a PostgreSQL data directory: empty or remove it`);
  }
  return { initialised };
}

/** Removes what a failed initdb left, keeping the folder itself (and its owner and mode). */
export async function emptyDataDir(dataDir: string): Promise<void> {
  for (const entry of await fs.readdir(dataDir).catch(() => [])) {
    await fs.rm(path.join(dataDir, entry), { recursive: true, force: true });
  }
}
