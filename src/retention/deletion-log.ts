import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import canonicalize from 'canonicalize';
import { toDate } from '../db/timestamps';
import { GENESIS_HASH } from '../events/event-hash';
import { checkPageArgs } from '../reading/page';
import { BadUserInputError } from '../errors';
import { DeletionReason, type DeletionRecord, type DeletionRecordConnection } from './retention.types';

interface DeletionRow {
  tenant_id: string;
  position: string;
  id: string;
  reason: DeletionReason;
  category: string | null;
  event_count: number;
  from_sequence: string;
  to_sequence: string;
  occurred_from: string | Date;
  occurred_to: string | Date;
  digest: string;
  archived_at: string | Date | null;
  deleted_at: string | Date;
  previous_hash: string;
  record_hash: string;
}

export type NewDeletion = Omit<DeletionRecord, 'id' | 'tenantId' | 'reason'>;

/** The hash of a record: its fields and its predecessor's hash, as canonical JSON. */
export function deletionRecordHash(row: Omit<DeletionRow, 'record_hash'>): string {
  const fields = {
    tenantId: row.tenant_id,
    position: String(row.position),
    id: row.id,
    reason: row.reason,
    category: row.category,
    eventCount: row.event_count,
    fromSequence: String(row.from_sequence),
    toSequence: String(row.to_sequence),
    occurredFrom: toDate(row.occurred_from).toISOString(),
    occurredTo: toDate(row.occurred_to).toISOString(),
    digest: row.digest,
    archivedAt: row.archived_at ? toDate(row.archived_at).toISOString() : null,
    deletedAt: toDate(row.deleted_at).toISOString(),
    previousHash: row.previous_hash,
  };
  return createHash('sha256').update(canonicalize(fields)!).digest('hex');
}

/**
 * Appends a record to the tenant's deletion log inside the caller's transaction (which deletes the
 * events, or destroys the key of an erased subject); returns its id.
 */
export async function appendDeletionRecord(
  trx: Knex.Transaction,
  tenantId: string,
  record: NewDeletion,
  reason = DeletionReason.RETENTION,
): Promise<string> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`deletion-log:${tenantId}`]);
  const last = await trx('deletion_records')
    .first('position', 'record_hash')
    .where('tenant_id', tenantId)
    .orderBy('position', 'desc');
  const row: Omit<DeletionRow, 'record_hash'> = {
    tenant_id: tenantId,
    position: String(last ? Number(last.position) + 1 : 1),
    id: randomUUID(),
    reason,
    category: record.category,
    event_count: record.eventCount,
    from_sequence: record.fromSequence,
    to_sequence: record.toSequence,
    occurred_from: record.occurredFrom,
    occurred_to: record.occurredTo,
    digest: record.digest,
    archived_at: record.archivedAt,
    deleted_at: record.deletedAt,
    previous_hash: last?.record_hash ?? GENESIS_HASH,
  };
  await trx('deletion_records').insert({ ...row, record_hash: deletionRecordHash(row) });
  return row.id;
}

/**
 * Re-walks the tenant's deletion log: every record's hash must cover its fields and its
 * predecessor, and the log must be at least as long as `signed` (a checkpoint's count and hash) says.
 * Returns the position of the first bad record, or null.
 */
export async function verifyDeletionLog(
  knex: Knex,
  tenantId: string,
  signed?: { count: number; hash: string },
): Promise<number | null> {
  const rows: DeletionRow[] = await knex('deletion_records')
    .select('*')
    .where('tenant_id', tenantId)
    .orderBy('position');
  let previous = GENESIS_HASH;
  for (const [index, row] of rows.entries()) {
    if (Number(row.position) !== index + 1 || row.previous_hash !== previous) return index + 1;
    if (deletionRecordHash(row) !== row.record_hash) return index + 1;
    if (signed && index + 1 === signed.count && row.record_hash !== signed.hash) return index + 1;
    previous = row.record_hash;
  }
  if (signed && rows.length < signed.count) return rows.length + 1;
  return null;
}

const encode = (position: string) => Buffer.from(`deletion:${position}`).toString('base64url');

function decode(text: string): string {
  const match = /^deletion:(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw new BadUserInputError('after', 'is not a valid cursor');
  return match[1];
}

export async function listDeletionRecords(
  knex: Knex,
  tenantId: string,
  first: number,
  after: string | null,
): Promise<DeletionRecordConnection> {
  checkPageArgs({ first });
  const query = knex<DeletionRow>('deletion_records')
    .select('*')
    .where('tenant_id', tenantId)
    .orderBy('position', 'desc')
    .limit(first + 1);
  if (after !== null) query.where('position', '<', decode(after));
  const rows = await query;
  const page = rows.slice(0, first);
  return {
    edges: page.map((row) => ({
      cursor: encode(row.position),
      node: {
        id: row.id,
        tenantId: row.tenant_id,
        reason: row.reason,
        category: row.category as DeletionRecord['category'],
        eventCount: row.event_count,
        fromSequence: String(row.from_sequence),
        toSequence: String(row.to_sequence),
        occurredFrom: toDate(row.occurred_from),
        occurredTo: toDate(row.occurred_to),
        digest: row.digest,
        archivedAt: row.archived_at === null ? null : toDate(row.archived_at),
        deletedAt: toDate(row.deleted_at),
      },
    })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? encode(page.at(-1)!.position) : null },
  };
}
