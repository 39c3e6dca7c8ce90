import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../db/timestamps';
import type { ObjectStore } from '../storage/object-store';
import { appendDeletionRecord } from './deletion-log';
import { MANIFEST_SUFFIX } from './manifest';
import { localCopy, readParquetRows } from './parquet';
import type { RetentionPolicyValues } from './policies';

const DAY_MS = 24 * 3600_000;

interface DueFile {
  key: string;
  category: string;
  from_sequence: string;
  to_sequence: string;
  occurred_from: string | Date;
  occurred_to: string | Date;
  row_count: number;
  sha256: string;
  digest: string;
  archived_at: string | Date;
}

/**
 * Deletes the tenant's archived events whose grace period is over: per archive file, one
 * transaction writes its deletion record, prunes the events' idempotency keys and marks the file
 * deleted; the objects are removed after the commit (and by the next run if this one stops first).
 * Returns the number of events deleted.
 */
export async function deleteExpired(
  knex: Knex,
  store: ObjectStore,
  tenantId: string,
  policies: RetentionPolicyValues[],
  now: Date,
): Promise<number> {
  const files: DueFile[] = await knex('archive_files')
    .select('*')
    .where('tenant_id', tenantId)
    .whereNotNull('removed_from_live_at')
    .whereNull('deleted_at')
    .orderBy('from_sequence');
  let deleted = 0;
  for (const file of files) {
    const policy = policies.find((candidate) => candidate.category === file.category);
    if (!policy || toDate(file.archived_at).getTime() + policy.archiveGraceDays * DAY_MS > now.getTime()) continue;
    const local = await localCopy(store, file.key, file.sha256);
    const ids = (await readParquetRows([local], 'true', '', 'id')).map((row) => row.id);
    await knex.transaction(async (trx) => {
      const current = await trx('archive_files')
        .first('deleted_at')
        .where({ tenant_id: tenantId, key: file.key })
        .forUpdate();
      if (current.deleted_at) return;
      await appendDeletionRecord(trx, tenantId, {
        category: file.category as never,
        eventCount: file.row_count,
        fromSequence: String(file.from_sequence),
        toSequence: String(file.to_sequence),
        occurredFrom: toDate(file.occurred_from),
        occurredTo: toDate(file.occurred_to),
        digest: file.digest,
        archivedAt: toDate(file.archived_at),
        deletedAt: now,
      });
      await trx.raw(`SET LOCAL audit.pruning = 'on'`);
      await trx.raw(`DELETE FROM audit_event_keys WHERE tenant_id = ? AND id = ANY(?::uuid[])`, [tenantId, ids]);
      await trx('archive_files').update({ deleted_at: now }).where({ tenant_id: tenantId, key: file.key });
      deleted += file.row_count;
    });
  }
  await purgeDeleted(knex, store, tenantId);
  return deleted;
}

/** Removes the objects of deleted files (their deletion records are written). */
async function purgeDeleted(knex: Knex, store: ObjectStore, tenantId: string): Promise<void> {
  const files = await knex('archive_files')
    .select('key')
    .where('tenant_id', tenantId)
    .whereNotNull('deleted_at')
    .whereNull('purged_at');
  for (const { key } of files) {
    await store.delete(key);
    await store.delete(key + MANIFEST_SUFFIX);
    await knex('archive_files').update({ purged_at: knex.fn.now() }).where({ tenant_id: tenantId, key });
  }
}
