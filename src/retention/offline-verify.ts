import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Checkpoint } from '../checkpoints/checkpoint';
import { verifyDocument, type PublicJwk } from '../checkpoints/signed-document';
import type { ResealedDigests } from '../erasure/resealed';
import { canonicalContent } from '../events/canonical-content';
import { chainHash, contentDigest } from '../events/event-hash';
import { isExportManifest, verifyExportManifest } from '../exports/verify-export';
import { sequencesDigest } from './archive-index';
import { hashesDigest } from './archive-writer';
import { eventOfArchiveRow, type ArchiveRow } from './archive-row';
import { MANIFEST_SUFFIX, type Manifest } from './manifest';
import { readParquetRows } from './parquet';

/** One thing that does not verify: the file, and the sequence when one event is at fault. */
export interface VerificationProblem {
  file: string;
  sequence?: string;
  problem: string;
}

export interface VerificationReport {
  files: number;
  events: number;
  checkpoints: number;
  /** Export manifests checked (exports live in the same store). */
  exports: number;
  problems: VerificationProblem[];
}

async function* filesUnder(folder: string): AsyncGenerator<string> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else yield full;
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Re-hashes one archived event from its own columns and its predecessor's hash. An event sealed after it
 * was stored (`resealed`, from its signed manifest) is hashed over the digest of its content as first
 * stored, if its content is the one sealed.
 */
export function rowHash(row: ArchiveRow, resealed?: ResealedDigests): string {
  const event = eventOfArchiveRow(row);
  const position = {
    sequence: event.sequence,
    id: event.id,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  };
  const digest = contentDigest(canonicalContent(event).text);
  return chainHash(row.previous_hash, position, digest === resealed?.sealedDigest ? resealed.originalDigest : digest);
}

/**
 * Verifies an archive folder without the database: each manifest's signature, its file's size
 * and SHA-256, every event's hash, the manifest's figures (sequence range, first and last hash,
 * row count, digest, and the sequences' digest of manifests that have one), the chain's continuity wherever consecutive events are both in the archive,
 * and each checkpoint's signature (and hash, where its event is in the archive). Exports written to
 * the same store are checked against their manifests (`verifyExportManifest`).
 */
export async function verifyArchiveFolder(folder: string, keys: readonly PublicJwk[]): Promise<VerificationReport> {
  const report: VerificationReport = { files: 0, events: 0, checkpoints: 0, exports: 0, problems: [] };
  const fail = (file: string, problem: string, sequence?: string) =>
    report.problems.push({ file: path.relative(folder, file), problem, ...(sequence ? { sequence } : {}) });
  const chains = new Map<string, Map<bigint, { hash: string; previous: string; file: string }>>();
  const checkpoints: Array<{ file: string; checkpoint: Checkpoint }> = [];

  for await (const file of filesUnder(folder)) {
    if (file.endsWith(MANIFEST_SUFFIX)) {
      const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
      if (isExportManifest(manifest)) {
        report.exports += 1;
        report.problems.push(...(await verifyExportManifest(file, keys, folder)));
        continue;
      }
      report.files += 1;
      const data = file.slice(0, -MANIFEST_SUFFIX.length);
      if (!verifyDocument(manifest, keys)) fail(file, 'manifest signature does not verify');
      let rows: ArchiveRow[];
      try {
        const size = (await stat(data)).size;
        if (size !== manifest.bytes) fail(data, `size ${size} differs from the manifest's ${manifest.bytes}`);
        if ((await sha256Of(data)) !== manifest.sha256) fail(data, 'SHA-256 differs from the manifest');
        rows = (await readParquetRows([data])).sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
      } catch (error) {
        fail(data, `unreadable: ${(error as Error).message}`);
        continue;
      }
      report.events += rows.length;
      const chain = chains.get(manifest.tenantId) ?? new Map();
      chains.set(manifest.tenantId, chain);
      for (const row of rows) {
        const sequence = String(row.sequence);
        if (row.tenant_id !== manifest.tenantId || row.category !== manifest.category)
          fail(data, 'event of another tenant or category than the manifest', sequence);
        if (rowHash(row, manifest.resealed?.[sequence]) !== row.hash)
          fail(data, 'event does not match its hash', sequence);
        if (chain.has(row.sequence)) fail(data, `sequence also archived in ${chain.get(row.sequence)!.file}`, sequence);
        chain.set(row.sequence, { hash: row.hash, previous: row.previous_hash, file: path.relative(folder, data) });
      }
      const figures: Array<[string, unknown, unknown]> = [
        ['rowCount', rows.length, manifest.rowCount],
        ['fromSequence', String(rows[0]?.sequence), manifest.fromSequence],
        ['toSequence', String(rows.at(-1)?.sequence), manifest.toSequence],
        ['firstHash', rows[0]?.hash, manifest.firstHash],
        ['lastHash', rows.at(-1)?.hash, manifest.lastHash],
        ['digest', hashesDigest(rows.map((row) => row.hash)), manifest.digest],
      ];
      if (manifest.sequencesDigest !== undefined)
        figures.push([
          'sequencesDigest',
          sequencesDigest(rows.map((row) => BigInt(row.sequence))),
          manifest.sequencesDigest,
        ]);
      for (const [name, actual, stated] of figures)
        if (actual !== stated) fail(data, `${name} ${String(actual)} differs from the manifest's ${String(stated)}`);
    } else if (file.includes(`${path.sep}checkpoints${path.sep}`) && file.endsWith('.json')) {
      report.checkpoints += 1;
      checkpoints.push({ file, checkpoint: JSON.parse(await readFile(file, 'utf8')) as Checkpoint });
    }
  }

  for (const chain of chains.values())
    for (const [sequence, link] of chain) {
      const previous = chain.get(sequence - 1n);
      if (previous && previous.hash !== link.previous)
        fail(
          path.join(folder, link.file),
          `does not follow sequence ${sequence - 1n} (${previous.file})`,
          String(sequence),
        );
    }
  for (const { file, checkpoint } of checkpoints) {
    if (!verifyDocument(checkpoint, keys)) fail(file, 'checkpoint signature does not verify', checkpoint.sequence);
    const event = chains.get(checkpoint.tenantId)?.get(BigInt(checkpoint.sequence));
    if (event && event.hash !== checkpoint.hash)
      fail(file, `checkpoint hash differs from the archived event's (${event.file})`, checkpoint.sequence);
  }
  return report;
}
