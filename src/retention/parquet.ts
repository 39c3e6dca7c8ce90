import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from '../storage/object-store';
import { ARCHIVE_COLUMNS, type ArchiveRow } from './archive-row';

/** A DuckDB string literal (values the archive search pushes down; DuckDB has no backslash escapes). */
export const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;

let instance: Promise<DuckDBInstance> | undefined;

/**
 * One in-process DuckDB for the process, without network access: Parquet and JSON support are
 * built in. Archived files never change (they are named by their hash): their metadata is cached.
 */
export async function duckdb(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  }).then(async (created) => {
    // A setting of the Parquet reader: set once its extension is loaded, not at creation.
    const connection = await created.connect();
    await connection.run('SET GLOBAL parquet_metadata_cache = true');
    connection.closeSync();
    return created;
  });
  return (await instance).connect();
}

const jsonOf = (row: ArchiveRow) =>
  JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * An archive file in the making: rows are appended page by page to a newline-delimited JSON spool
 * (a file's worth of rows is never held in memory: the run shares the heap and the event loop with
 * the writers), then DuckDB, on its own threads, turns the spool into Parquet.
 */
export class ParquetSpool {
  private constructor(
    private readonly folder: string,
    private readonly ndjson: FileHandle,
  ) {}

  static async open(): Promise<ParquetSpool> {
    const folder = await mkdtemp(path.join(tmpdir(), 'audit-archive-write-'));
    return new ParquetSpool(folder, await open(path.join(folder, 'rows.ndjson'), 'w'));
  }

  async append(rows: ArchiveRow[]): Promise<void> {
    if (rows.length) await this.ndjson.write(rows.map(jsonOf).join('\n') + '\n');
  }

  /**
   * Writes the spooled rows to a Parquet file, newest first as searches read them, in row groups
   * small enough that a search for recent events skips most of a file by the groups' occurred_us
   * statistics; returns its path, size and SHA-256.
   */
  async finish(): Promise<{ file: string; bytes: number; sha256: string }> {
    await this.ndjson.close();
    const input = path.join(this.folder, 'rows.ndjson');
    const file = path.join(this.folder, 'rows.parquet');
    const columns = ARCHIVE_COLUMNS.map(([name, type]) => `${name}: ${sqlText(type)}`).join(', ');
    const connection = await duckdb();
    try {
      await connection.run(
        `COPY (SELECT * FROM read_json(${sqlText(input)}, format = 'newline_delimited', columns = {${columns}})
               ORDER BY occurred_us DESC, id DESC)
         TO ${sqlText(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 10000)`,
      );
    } finally {
      connection.closeSync();
    }
    const bytes = (await stat(file)).size;
    return { file, bytes, sha256: await sha256Of(file) };
  }

  async discard(): Promise<void> {
    await this.ndjson.close().catch(() => undefined);
    await rm(this.folder, { recursive: true, force: true });
  }
}

const CACHE_PREFIX = 'audit-archive-cache-';
const CACHE = path.join(tmpdir(), `${CACHE_PREFIX}${process.pid}`);
let cacheMade = false;

/**
 * The process's copies go with it (at its exit; a process killed by a signal leaves its directory,
 * which the next process to make its own removes): a directory per process would otherwise pile up.
 */
async function makeCache(): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  if (cacheMade) return;
  cacheMade = true;
  process.once('exit', () => rmSync(CACHE, { recursive: true, force: true }));
  for (const name of await readdir(tmpdir()))
    if (name.startsWith(CACHE_PREFIX) && !isRunning(Number(name.slice(CACHE_PREFIX.length))))
      await rm(path.join(tmpdir(), name), { recursive: true, force: true });
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A local copy of an archived file, checked against its SHA-256 (DuckDB reads local files: no
 * extension may be downloaded at run time to read S3 directly). Copies are kept, named by hash.
 * @throws Error when the object is missing or its bytes are not the ones archived.
 */
export async function localCopy(store: ObjectStore, key: string, sha256: string): Promise<string> {
  const file = path.join(CACHE, `${sha256}.parquet`);
  try {
    await stat(file);
    return file;
  } catch {
    // not cached yet
  }
  const body = await store.get(key);
  if (!body) throw new Error(`archive file ${key} is missing from ${store.location}`);
  await makeCache();
  const partial = `${file}.${process.hrtime.bigint()}.part`;
  try {
    await pipeline(body, createWriteStream(partial));
    if ((await sha256Of(partial)) !== sha256) throw new Error(`archive file ${key} does not match its SHA-256`);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  return file;
}

async function query(sql: string): Promise<Array<Record<string, unknown>>> {
  const connection = await duckdb();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
  }
}

const parquetFiles = (files: string[]) => `read_parquet([${files.map(sqlText).join(', ')}])`;

/** Rows of Parquet files as archive rows, or only some of their columns. */
export async function readParquetRows(
  files: string[],
  where = 'true',
  orderAndLimit = '',
  columns = '*',
): Promise<ArchiveRow[]> {
  if (files.length === 0) return [];
  return (await query(
    `SELECT ${columns} FROM ${parquetFiles(files)} WHERE ${where} ${orderAndLimit}`,
  )) as unknown as ArchiveRow[];
}

/**
 * Of the newest `limit` rows matching `where`: how many there are, and the oldest one's
 * occurred_us. Reads only the columns `where` names and occurred_us.
 */
export async function newestInstants(
  files: string[],
  where: string,
  limit: number,
): Promise<{ count: number; oldestUs: bigint | null }> {
  const [row] = await query(
    `SELECT count(*) AS count, min(occurred_us) AS oldest FROM
       (SELECT occurred_us FROM ${parquetFiles(files)} WHERE ${where} ORDER BY occurred_us DESC LIMIT ${limit})`,
  );
  return { count: Number(row.count), oldestUs: row.oldest as bigint | null };
}
