import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Knex } from '@mikro-orm/postgresql';
import { signDocument } from '../checkpoints/signed-document';
import type { SigningKeys } from '../checkpoints/signing-keys';
import { GENESIS_HASH } from '../events/event-hash';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../events/event-row';
import { normalizeIpAddress } from '../ip-address';
import { isSealed, type BlindIndex } from '../core/sealed-values';
import type { ObjectStore } from '../storage/object-store';
import { archiveRowOf, type ArchiveRow } from './archive-row';
import { applyHolds } from './legal-holds';
import { archiveKey, MANIFEST_SUFFIX, type ManifestFields } from './manifest';
import { writeParquet } from './parquet';
import type { LegalHold } from './retention.types';

/** Events of one tenant and category in one month partition, older than the cutoff. */
export interface ArchiveSlice {
  tenantId: string;
  category: string;
  /** `YYYY-MM`. */
  month: string;
  monthStart: Date;
  until: Date;
}

const YIELD_EVERY = 2000;
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

type SelectedRow = AuditEventRow & { hash_hex: string; previous_hash: string | null; changed_fields: string[] };

/** The slice's events not held, after `afterSequence`, by sequence: one archive file's worth. */
export async function selectForArchive(
  knex: Knex,
  slice: ArchiveSlice,
  holds: LegalHold[],
  blindIndex: BlindIndex,
  afterSequence: string,
  limit: number,
): Promise<ArchiveRow[]> {
  const qb = knex
    .select(
      eventColumns(knex, 'e'),
      'e.changed_fields',
      knex.raw(`encode(e.hash, 'hex') AS hash_hex`),
      knex.raw(
        `COALESCE(encode(p.hash, 'hex'), encode(a.hash, 'hex'), CASE WHEN e.sequence = 1 THEN ? END) AS previous_hash`,
        [GENESIS_HASH],
      ),
    )
    .from('audit_events as e')
    .leftJoin('audit_events as p', function () {
      this.on('p.tenant_id', 'e.tenant_id').andOn(knex.raw('p.sequence = e.sequence - 1'));
    })
    .leftJoin('audit_chain_anchors as a', function () {
      this.on('a.tenant_id', 'e.tenant_id').andOn(knex.raw('a.to_sequence = e.sequence - 1'));
    })
    .where({ 'e.tenant_id': slice.tenantId, 'e.category': slice.category })
    .where('e.occurred_at', '>=', slice.monthStart)
    .where('e.occurred_at', '<', slice.until)
    .where('e.sequence', '>', afterSequence)
    .orderBy('e.sequence')
    .limit(limit);
  applyHolds(qb, holds, { alias: 'e', held: false, blindIndex });
  const rows: SelectedRow[] = await qb;
  const archived: ArchiveRow[] = [];
  for (const [index, row] of rows.entries()) {
    if (row.previous_hash === null)
      throw new Error(`no predecessor hash for sequence ${row.sequence} of ${row.tenant_id}`);
    const event = toAuditEvent(row);
    event.ipAddress =
      row.ip_address === null || isSealed(row.ip_address) ? row.ip_address : normalizeIpAddress(row.ip_address);
    archived.push(archiveRowOf(event, row.occurred_us, row.changed_fields, row.hash_hex, row.previous_hash));
    // The run shares the event loop with the writers: it lets them in between slices.
    if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToOthers();
  }
  return archived;
}

/** How many of the slice's events a hold keeps. */
export async function countHeld(
  knex: Knex,
  slice: ArchiveSlice,
  holds: LegalHold[],
  blindIndex: BlindIndex,
): Promise<number> {
  const qb = knex('audit_events as e')
    .count({ held: '*' })
    .where({ 'e.tenant_id': slice.tenantId, 'e.category': slice.category })
    .where('e.occurred_at', '>=', slice.monthStart)
    .where('e.occurred_at', '<', slice.until);
  applyHolds(qb, holds, { alias: 'e', held: true, blindIndex });
  const [{ held }] = await qb;
  return Number(held);
}

/** Hex SHA-256 over the hashes (their 32 bytes each, concatenated) in sequence order. */
export function hashesDigest(hashes: Iterable<string>): string {
  const digest = createHash('sha256');
  for (const hash of hashes) digest.update(Buffer.from(hash, 'hex'));
  return digest.digest('hex');
}

/**
 * Writes rows (by sequence) as a Parquet file and its signed manifest, then records both and the
 * chain anchors across them in one transaction. A run that stops before the transaction leaves an
 * object no index names: the run that resumes writes the same key again.
 */
export async function archiveRows(
  knex: Knex,
  store: ObjectStore,
  keys: SigningKeys,
  slice: ArchiveSlice,
  rows: ArchiveRow[],
  archivedAt: Date,
): Promise<ManifestFields> {
  const first = rows[0];
  const last = rows.at(-1)!;
  const key = archiveKey(slice.tenantId, slice.category, slice.month, String(first.sequence), String(last.sequence));
  const parquet = await writeParquet(rows);
  let occurredFrom = first;
  let occurredTo = first;
  for (const row of rows) {
    if (row.occurred_us < occurredFrom.occurred_us) occurredFrom = row;
    if (row.occurred_us > occurredTo.occurred_us) occurredTo = row;
  }
  const fields: ManifestFields = {
    version: 1,
    tenantId: slice.tenantId,
    category: slice.category,
    month: slice.month,
    file: key,
    fromSequence: String(first.sequence),
    toSequence: String(last.sequence),
    firstHash: first.hash,
    lastHash: last.hash,
    rowCount: rows.length,
    occurredFrom: occurredFrom.occurred_at,
    occurredTo: occurredTo.occurred_at,
    bytes: parquet.bytes,
    sha256: parquet.sha256,
    digest: hashesDigest(rows.map((row) => row.hash)),
    archivedAt: archivedAt.toISOString(),
  };
  try {
    await store.put(key, createReadStream(parquet.file));
  } finally {
    await parquet.cleanup();
  }
  const manifest = signDocument(fields, keys.keyId, keys.privateKey);
  await store.put(key + MANIFEST_SUFFIX, Buffer.from(JSON.stringify(manifest, null, 2)));
  await knex.transaction(async (trx) => {
    await trx('archive_files')
      .insert({
        tenant_id: slice.tenantId,
        key,
        category: slice.category,
        month: `${slice.month}-01`,
        from_sequence: fields.fromSequence,
        to_sequence: fields.toSequence,
        occurred_from: fields.occurredFrom,
        occurred_to: fields.occurredTo,
        row_count: rows.length,
        bytes: parquet.bytes,
        sha256: parquet.sha256,
        digest: fields.digest,
        sequences: rows.map((row) => String(row.sequence)),
        archived_at: archivedAt,
      })
      .onConflict(['tenant_id', 'key'])
      .ignore();
    const anchors = chainRuns(rows).map((run) => ({
      tenant_id: slice.tenantId,
      from_sequence: String(run.from),
      to_sequence: String(run.to),
      hash: Buffer.from(run.hash, 'hex'),
    }));
    for (let i = 0; i < anchors.length; i += 5000)
      await trx('audit_chain_anchors')
        .insert(anchors.slice(i, i + 5000))
        .onConflict(['tenant_id', 'to_sequence'])
        .ignore();
  });
  return fields;
}

/** Maximal runs of consecutive sequences, each with the hash of its last event. */
function chainRuns(rows: ArchiveRow[]): Array<{ from: bigint; to: bigint; hash: string }> {
  const runs: Array<{ from: bigint; to: bigint; hash: string }> = [];
  for (const row of rows) {
    const run = runs.at(-1);
    if (run && run.to + 1n === row.sequence) {
      run.to = row.sequence;
      run.hash = row.hash;
    } else runs.push({ from: row.sequence, to: row.sequence, hash: row.hash });
  }
  return runs;
}
