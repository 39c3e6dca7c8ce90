import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Knex } from '@mikro-orm/postgresql';
import { signDocument } from '../checkpoints/signed-document';
import type { SigningKeys } from '../checkpoints/signing-keys';
import { withChainLinks } from '../events/chain-links';
import { eventColumns, toHashedEvent, type AuditEventRow } from '../events/event-row';
import type { BlindIndex } from '../core/sealed-values';
import { ResealedEvents, type ResealedDigests } from '../erasure/resealed';
import type { ObjectStore } from '../storage/object-store';
import { archiveRowOf, type ArchiveRow } from './archive-row';
import { applyHolds } from './legal-holds';
import { archiveKey, MANIFEST_SUFFIX, type ManifestFields } from './manifest';
import { ParquetSpool } from './parquet';
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

type SelectedRow = AuditEventRow & { hash_hex: string; previous_hash: string | null; changed_fields: string[] };

/** The slice's events not held, after `afterSequence`, by sequence: one archive file's worth. */
async function selectForArchive(
  knex: Knex,
  slice: ArchiveSlice,
  holds: LegalHold[],
  blindIndex: BlindIndex,
  afterSequence: string,
  limit: number,
): Promise<ArchiveRow[]> {
  const qb = withChainLinks(
    knex,
    knex.select(eventColumns(knex, 'e'), 'e.changed_fields').from('audit_events as e'),
    'previous_hash',
  )
    .where({ 'e.tenant_id': slice.tenantId, 'e.category': slice.category })
    .where('e.occurred_at', '>=', slice.monthStart)
    .where('e.occurred_at', '<', slice.until)
    .where('e.sequence', '>', afterSequence)
    .orderBy('e.sequence')
    .limit(limit);
  applyHolds(qb, holds, { alias: 'e', held: false, blindIndex });
  const rows: SelectedRow[] = await qb;
  const archived: ArchiveRow[] = [];
  for (const row of rows) {
    if (row.previous_hash === null)
      throw new Error(`no predecessor hash for sequence ${row.sequence} of ${row.tenant_id}`);
    const event = toHashedEvent(row);
    archived.push(archiveRowOf(event, row.occurred_us, row.changed_fields, row.hash_hex, row.previous_hash));
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

/** What a file's manifest says of its rows, gathered page by page. */
class FileFigures {
  count = 0;
  first: ArchiveRow | undefined;
  last: ArchiveRow | undefined;
  occurredFrom: ArchiveRow | undefined;
  occurredTo: ArchiveRow | undefined;
  readonly sequences: string[] = [];
  private readonly hashes = createHash('sha256');
  private readonly sequenceBytes = createHash('sha256');

  /** The recorded digests of the file's events sealed after they were stored (src/erasure/seal-stored.ts). */
  readonly resealed: Record<string, ResealedDigests> = {};

  /**
   * `resealed`: the records of the page's events sealed after they were stored; those of a page whose
   * re-sealing checkpoint does not verify are left out (the offline verifier then reports its events).
   */
  add(rows: ArchiveRow[], resealed: Map<bigint, ResealedDigests> | { broken: bigint }): void {
    const bytes = Buffer.alloc(8);
    for (const row of rows) {
      const recorded = resealed instanceof Map ? resealed.get(row.sequence) : undefined;
      if (recorded) this.resealed[String(row.sequence)] = recorded;
      this.count += 1;
      this.first ??= row;
      this.last = row;
      if (!this.occurredFrom || row.occurred_us < this.occurredFrom.occurred_us) this.occurredFrom = row;
      if (!this.occurredTo || row.occurred_us > this.occurredTo.occurred_us) this.occurredTo = row;
      this.sequences.push(String(row.sequence));
      this.hashes.update(Buffer.from(row.hash, 'hex'));
      bytes.writeBigInt64BE(row.sequence);
      this.sequenceBytes.update(bytes);
    }
  }

  /** `digest` and `sequencesDigest` (once: the digests are finished). */
  digests(): { digest: string; sequencesDigest: string } {
    return { digest: this.hashes.digest('hex'), sequencesDigest: this.sequenceBytes.digest('hex') };
  }
}

/** Rows a page: the run holds one page at a time, never a file's worth. */
const PAGE_ROWS = 500;

/**
 * Archives the next file of a slice: selects up to `fileRows` events after `afterSequence` (by
 * sequence, page by page), leaves out those already archived by a run that stopped (`pending`),
 * writes the others as a Parquet file and its signed manifest, then records the file in the index
 * with its sequences and its manifest. A run that stops before that leaves an object no index
 * names: the run that resumes selects the same events and writes the same key again.
 * Returns the last sequence selected and the number of events archived; null when none was left.
 */
export async function archiveNextFile(
  knex: Knex,
  store: ObjectStore,
  keys: SigningKeys,
  slice: ArchiveSlice,
  holds: LegalHold[],
  blindIndex: BlindIndex,
  pending: Set<string>,
  afterSequence: string,
  fileRows: number,
  archivedAt: Date,
): Promise<{ after: string; archived: number } | null> {
  const spool = await ParquetSpool.open();
  try {
    const figures = new FileFigures();
    const resealed = new ResealedEvents(knex, slice.tenantId, keys.publicKeys);
    let after = afterSequence;
    let selected = 0;
    while (selected < fileRows) {
      const wanted = Math.min(PAGE_ROWS, fileRows - selected);
      const page = await selectForArchive(knex, slice, holds, blindIndex, after, wanted);
      if (page.length === 0) break;
      selected += page.length;
      after = String(page.at(-1)!.sequence);
      const rows = page.filter((row) => !pending.has(String(row.sequence)));
      figures.add(rows, await resealed.between(page[0].sequence, page.at(-1)!.sequence));
      await spool.append(rows);
      if (page.length < wanted) break;
    }
    if (selected === 0) return null;
    if (figures.count > 0) await recordFile(knex, store, keys, slice, spool, figures, archivedAt);
    return { after, archived: figures.count };
  } finally {
    await spool.discard();
  }
}

async function recordFile(
  knex: Knex,
  store: ObjectStore,
  keys: SigningKeys,
  slice: ArchiveSlice,
  spool: ParquetSpool,
  figures: FileFigures,
  archivedAt: Date,
): Promise<void> {
  const first = figures.first!;
  const last = figures.last!;
  const key = archiveKey(slice.tenantId, slice.category, slice.month, String(first.sequence), String(last.sequence));
  const parquet = await spool.finish();
  const fields: ManifestFields = {
    version: 2,
    tenantId: slice.tenantId,
    category: slice.category,
    month: slice.month,
    file: key,
    fromSequence: String(first.sequence),
    toSequence: String(last.sequence),
    firstHash: first.hash,
    lastHash: last.hash,
    rowCount: figures.count,
    occurredFrom: figures.occurredFrom!.occurred_at,
    occurredTo: figures.occurredTo!.occurred_at,
    bytes: parquet.bytes,
    sha256: parquet.sha256,
    ...figures.digests(),
    ...(Object.keys(figures.resealed).length > 0 ? { resealed: figures.resealed } : {}),
    archivedAt: archivedAt.toISOString(),
  };
  await store.put(key, createReadStream(parquet.file));
  const manifest = signDocument(fields, keys.keyId, keys.privateKey);
  await store.put(key + MANIFEST_SUFFIX, Buffer.from(JSON.stringify(manifest, null, 2)));
  await knex('archive_files')
    .insert({
      tenant_id: slice.tenantId,
      key,
      category: slice.category,
      month: `${slice.month}-01`,
      from_sequence: fields.fromSequence,
      to_sequence: fields.toSequence,
      occurred_from: fields.occurredFrom,
      occurred_to: fields.occurredTo,
      row_count: figures.count,
      bytes: parquet.bytes,
      sha256: parquet.sha256,
      digest: fields.digest,
      sequences: figures.sequences,
      last_hash: Buffer.from(last.hash, 'hex'),
      signed_index: manifest,
      archived_at: archivedAt,
    })
    .onConflict(['tenant_id', 'key'])
    .ignore();
}
