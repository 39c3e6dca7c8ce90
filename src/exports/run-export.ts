import { createGzip } from 'node:zlib';
import { PassThrough, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../core/sealed-values';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { signDocument, type Signed } from '../checkpoints/signed-document';
import type { SigningKeys } from '../checkpoints/signing-keys';
import { toDate } from '../db/timestamps';
import type { ArchiveGeneration, ArchiveSearch } from '../reading/archive-search';
import { revivedRedaction } from '../events/redaction';
import { reviveFilter } from '../saved-filters/saved-filter-codec';
import type { ObjectStore, StoredObject } from '../storage/object-store';
import { stageArchivedRows } from './archived-rows';
import { exportCopySql, estimateRows, type ExportQuery } from './export-query';
import type { ExportRow } from './export-jobs';
import { exportObjectKey, manifestObjectKey } from './export-file';
import { ExportFormat } from './export.types';
import { buildReportData } from './pdf/build-report-data';
import { renderOffLoop } from './pdf/render-off-loop';
import { JsonArray, RowCounter } from './row-streams';
import { withSubjectMatches } from './subject-access';
import { openSealedRecords } from './sealed-rows';

export interface ExportRunDeps {
  knex: Knex;
  /** Opens the sealed personal values the file carries; matches `user:` and `ip:` terms against them. */
  sealed: SealedValues;
  pdf: { maxEvents: number; fontPath: string | null };
  /** A connection of its own per run: COPY holds it until the file is written. */
  databaseUrl: string;
  store: ObjectStore;
  maxRowsPerSecond: number;
  archive: { search: ArchiveSearch; generation: ArchiveGeneration };
  /** The checkpoint key: manifests are signed like the archive's, for the offline verifier. */
  keys: SigningKeys;
}

export interface ExportOutcome {
  file: StoredObject;
  rows: number;
  manifest: ExportManifest;
}

/**
 * What a reader needs to check the file without the service: its count, its hash, and the chain
 * head it is bounded by; signed with the checkpoint key (`npm run verify`).
 */
export interface ExportManifestFields extends Record<string, unknown> {
  version: 1;
  exportId: string;
  tenantId: string;
  format: ExportFormat;
  gzip: boolean;
  includeMetadata: boolean;
  includeArchived: boolean;
  criteria: ExportRow['criteria'];
  /** True when its requester lacked READ_PERSONAL_DATA: personal values are null and named in `redactedFields`. */
  personalDataMasked: boolean;
  /** The fields of each entity type masked in `changes` (the tenant's marks when it was asked); null when whole. */
  maskedPersonalFields: ExportRow['redaction'];
  objectKey: string;
  rowCount: number;
  bytes: number;
  sha256: string;
  /** The tenant's chain head when the export was asked: every event exported has a sequence at most this. */
  chainHeads: Array<{ tenantId: string; sequence: string; hash: string | null }>;
  createdAt: string;
  createdBy: string;
  writtenAt: string;
}

export type ExportManifest = Signed<ExportManifestFields>;

/** The stored criteria, their dates back as `Date`s. */
export function queryOf(row: ExportRow): ExportQuery {
  const { filter, search, saved, subject } = row.criteria;
  return {
    tenantId: row.tenant_id,
    criteria: {
      filter: reviveFilter((filter ?? {}) as Record<string, unknown>),
      search,
      saved: saved ? { filter: reviveFilter(saved.filter as Record<string, unknown>), search: saved.search } : null,
      subject: subject ? { id: subject.id } : null,
    },
    headSequence: row.head_sequence,
    includeMetadata: row.include_metadata,
    includeArchived: row.include_archived,
    redaction: revivedRedaction(row.redaction),
  };
}

/** The running export's live figures, read by the lease renewals. */
export interface RunProgress {
  rowsWritten(): number;
  rowsTotal: number | null;
}

/** Events moved to the archive while an export read the archive and then the live table: it may have missed them. */
class ArchiveMoved extends Error {}

/** How often an export with archived events is written again when retention moved events during its run. */
const ARCHIVE_ATTEMPTS = 3;

/**
 * Streams the export's rows from PostgreSQL (COPY, so in constant memory and at PostgreSQL's pace)
 * to the object store, then writes its manifest. `signal` aborts it: the store keeps no part of it.
 */
export async function writeExport(
  deps: ExportRunDeps,
  row: ExportRow,
  signal: AbortSignal,
  onStart: (progress: RunProgress) => void,
): Promise<ExportOutcome> {
  const query = await withSubjectMatches(deps.knex, deps.sealed, deps.archive.search, queryOf(row));
  if (row.format === ExportFormat.PDF) return writeReport(deps, row, query, signal, onStart);
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeRows(deps, row, query, signal, onStart);
    } catch (error) {
      if (!(error instanceof ArchiveMoved) || attempt >= ARCHIVE_ATTEMPTS) throw error;
    }
  }
}

async function writeRows(
  deps: ExportRunDeps,
  row: ExportRow,
  query: ExportQuery,
  signal: AbortSignal,
  onStart: (progress: RunProgress) => void,
): Promise<ExportOutcome> {
  const csv = row.format === ExportFormat.CSV;
  const sql = exportCopySql(deps.knex, deps.sealed, query, row.format);
  const progress: RunProgress = { rowsWritten: () => 0, rowsTotal: await estimateRows(deps.knex, deps.sealed, query) };
  const client = new Client({ connectionString: deps.databaseUrl, application_name: 'audit-subgraph-export' });
  await client.connect();
  try {
    await client.query(`SET statement_timeout = 0`);
    const generation = query.includeArchived ? await deps.archive.generation(row.tenant_id) : null;
    if (query.includeArchived) await stageArchivedRows(client, deps.archive.search, query);
    const rows = new RowCounter(csv, { maxRowsPerSecond: deps.maxRowsPerSecond, crlf: csv });
    progress.rowsWritten = () => Math.max(0, rows.rows - (csv ? 1 : 0));
    onStart(progress);
    const stages: Transform[] = [rows, openSealedRecords(deps.knex, deps.sealed, csv)];
    if (row.format === ExportFormat.JSON) stages.push(new JsonArray());
    if (row.gzip) stages.push(createGzip());
    const body = new PassThrough();
    const key = exportObjectKey(row);
    const copying = pipeline([client.query(copyTo(sql)), ...stages, body], { signal });
    const [file] = await Promise.all([deps.store.put(key, body), copying]);
    if (generation !== null && (await deps.archive.generation(row.tenant_id)) !== generation)
      throw new ArchiveMoved(`events of export ${row.id} moved to the archive while it was written`);
    return await withManifest(deps, row, file, progress.rowsWritten());
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Writes the manifest of a written file. */
async function withManifest(
  deps: ExportRunDeps,
  row: ExportRow,
  file: StoredObject,
  rowCount: number,
): Promise<ExportOutcome> {
  const fields: ExportManifestFields = {
    version: 1,
    exportId: row.id,
    tenantId: row.tenant_id,
    format: row.format,
    gzip: row.gzip,
    includeMetadata: row.include_metadata,
    includeArchived: row.include_archived,
    criteria: row.criteria,
    personalDataMasked: row.redaction !== null,
    maskedPersonalFields: row.redaction,
    objectKey: file.key,
    rowCount,
    bytes: file.bytes,
    sha256: file.sha256,
    chainHeads: [{ tenantId: row.tenant_id, sequence: row.head_sequence, hash: row.head_hash }],
    createdAt: toDate(row.created_at).toISOString(),
    createdBy: row.created_by,
    writtenAt: new Date().toISOString(),
  };
  const manifest = signDocument(fields, deps.keys.keyId, deps.keys.privateKey);
  await deps.store.put(manifestObjectKey(row), Readable.from([JSON.stringify(manifest, null, 2)]));
  return { file, rows: rowCount, manifest };
}

/** A PDF report: its figures read here, its pages laid out in a worker thread. */
async function writeReport(
  deps: ExportRunDeps,
  row: ExportRow,
  query: ExportQuery,
  signal: AbortSignal,
  onStart: (progress: RunProgress) => void,
): Promise<ExportOutcome> {
  const data = await buildReportData(deps.knex, deps.sealed, query, row.id, deps.pdf.maxEvents, deps.pdf.fontPath);
  onStart({ rowsWritten: () => 0, rowsTotal: data.events.length });
  const pdf = await renderOffLoop(data, signal);
  const file = await deps.store.put(exportObjectKey(row), pdf);
  return withManifest(deps, row, file, data.events.length);
}
