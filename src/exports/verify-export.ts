import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { verifyDocument, type PublicJwk } from '../checkpoints/signed-document';
import { ExportFormat } from './export-format';
import type { ExportManifest } from './run-export';
import { RowCounter } from './row-streams';

/** Whether a manifest found in the store is an export's (archive manifests have no `exportId`). */
export function isExportManifest(document: Record<string, unknown>): boolean {
  return typeof document.exportId === 'string';
}

/** One pass over the file: its SHA-256 and, but for PDF, its rows as the writer counted them. */
async function readBack(file: string, manifest: ExportManifest): Promise<{ sha256: string; rows: number | null }> {
  const hash = createHash('sha256');
  const csv = manifest.format === ExportFormat.CSV;
  const counter = manifest.format === ExportFormat.PDF ? null : new RowCounter(csv);
  const reading = createReadStream(file);
  reading.on('data', (chunk) => hash.update(chunk));
  const stages: Transform[] = [...(manifest.gzip ? [createGunzip()] : []), ...(counter ? [counter] : [])];
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  await pipeline([reading, ...stages, sink]);
  if (!counter) return { sha256: hash.digest('hex'), rows: null };
  // CSV: a header record first; JSON: one row a line, but an empty array is a line too (`[]`).
  const rows = csv ? counter.rows - 1 : manifest.format === ExportFormat.JSON && bytes === 3 ? 0 : counter.rows;
  return { sha256: hash.digest('hex'), rows };
}

/**
 * Checks an export against its manifest without the service: the manifest's signature, then the
 * file's size, SHA-256 and row count. The file is looked for next to the manifest.
 * @returns each problem with the file it concerns (relative to `root`).
 */
export async function verifyExportManifest(
  manifestFile: string,
  keys: readonly PublicJwk[],
  root = path.dirname(manifestFile),
): Promise<Array<{ file: string; problem: string }>> {
  const problems: Array<{ file: string; problem: string }> = [];
  const fail = (file: string, problem: string) => problems.push({ file: path.relative(root, file), problem });
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as ExportManifest;
  if (!verifyDocument(manifest, keys)) fail(manifestFile, 'manifest signature does not verify');
  const data = path.join(path.dirname(manifestFile), path.posix.basename(manifest.objectKey));
  try {
    const size = (await stat(data)).size;
    if (size !== manifest.bytes) fail(data, `size ${size} differs from the manifest's ${manifest.bytes}`);
    const { sha256, rows } = await readBack(data, manifest);
    if (sha256 !== manifest.sha256) fail(data, 'SHA-256 differs from the manifest');
    if (rows !== null && rows !== manifest.rowCount)
      fail(data, `rowCount ${rows} differs from the manifest's ${manifest.rowCount}`);
  } catch (error) {
    fail(data, `unreadable: ${(error as Error).message}`);
  }
  return problems;
}
