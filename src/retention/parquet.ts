import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from '../storage/object-store';
import { ARCHIVE_COLUMNS, type ArchiveRow } from './archive-row';

/** A DuckDB string literal (values the archive search pushes down; DuckDB has no backslash escapes). */
export const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;

let instance: Promise<DuckDBInstance> | undefined;

/** One in-process DuckDB for the process, without network access: Parquet and JSON support are built in. */
export async function duckdb(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
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

/** Writes rows to a Parquet file (newest first, as searches read them); returns its path, size and SHA-256. */
export async function writeParquet(
  rows: ArchiveRow[],
): Promise<{ file: string; bytes: number; sha256: string; cleanup: () => Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), 'audit-archive-write-'));
  const input = path.join(folder, 'rows.ndjson');
  const file = path.join(folder, 'rows.parquet');
  await writeFile(input, rows.map(jsonOf).join('\n'));
  const columns = ARCHIVE_COLUMNS.map(([name, type]) => `${name}: ${sqlText(type)}`).join(', ');
  const connection = await duckdb();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_json(${sqlText(input)}, format = 'newline_delimited', columns = {${columns}})
             ORDER BY occurred_us DESC, id DESC)
       TO ${sqlText(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)`,
    );
  } finally {
    connection.closeSync();
  }
  const bytes = (await stat(file)).size;
  return { file, bytes, sha256: await sha256Of(file), cleanup: () => rm(folder, { recursive: true, force: true }) };
}

const CACHE = path.join(tmpdir(), `audit-archive-cache-${process.pid}`);

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
  await mkdir(CACHE, { recursive: true });
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

/** Rows of Parquet files as archive rows. */
export async function readParquetRows(files: string[], where = 'true', orderAndLimit = ''): Promise<ArchiveRow[]> {
  if (files.length === 0) return [];
  const connection = await duckdb();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT * FROM read_parquet([${files.map(sqlText).join(', ')}]) WHERE ${where} ${orderAndLimit}`,
    );
    return reader.getRowObjectsJS() as unknown as ArchiveRow[];
  } finally {
    connection.closeSync();
  }
}
