import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { makeCheckpoint } from '../checkpoints/checkpoint';
import type { SigningKeys } from '../checkpoints/signing-keys';
import type { Logger } from '../observability/logger';
import type { ObjectStore } from '../storage/object-store';
import { archiveNextFile, countHeld, type ArchiveSlice } from './archive-writer';
import { deleteExpired } from './deletion';
import { listHolds } from './legal-holds';
import { checkpointKey } from './manifest';
import { monthsToReclaim, reclaimMonth } from './partition-swap';
import { tenantPolicies } from './policies';
import type { RetentionMetrics } from './retention-metrics';
import type { RetentionRun } from './retention.types';

const DAY_MS = 24 * 3600_000;

export interface RetentionOptions {
  knex: Knex;
  store: ObjectStore;
  keys: SigningKeys;
  /** How holds' `user:` and `ip:` terms match sealed values. */
  blindIndex: BlindIndex;
  logger: Logger;
  metrics: RetentionMetrics;
  /** Events per archive file. */
  fileRows: number;
  /** How long swapping a month's partition may wait for the table lock. */
  lockTimeoutMs: number;
  /** Called after each archive file is recorded (tests stop a run there). */
  afterFile?: () => Promise<void>;
}

/** The month partitions there are, oldest first, as `YYYY-MM` with their first instant. */
async function monthPartitions(knex: Knex): Promise<Array<{ month: string; start: Date; end: Date }>> {
  const { rows } = await knex.raw(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_events'::regclass ORDER BY c.relname`,
  );
  return rows.flatMap(({ name }: { name: string }) => {
    const match = /^audit_events_(\d{4})_(\d{2})$/.exec(name);
    if (!match) return [];
    const [year, month] = [Number(match[1]), Number(match[2])];
    return [
      {
        month: `${match[1]}-${match[2]}`,
        start: new Date(Date.UTC(year, month - 1, 1)),
        end: new Date(Date.UTC(year, month, 1)),
      },
    ];
  });
}

/**
 * One tenant's retention: sign its head, archive what is past retention and not held, take the
 * archived events out of their partitions, delete what outlived its grace period. Every step
 * is recorded before the next starts, so a run that stops anywhere is finished by the next one.
 */
export async function runTenantRetention(
  options: RetentionOptions,
  tenantId: string,
  now: Date,
): Promise<RetentionRun> {
  const { knex, store } = options;
  await signAndPublish(options, tenantId);
  const policies = await tenantPolicies(knex, tenantId);
  const holds = await listHolds(knex, tenantId, false);
  const months = await monthPartitions(knex);
  let archived = 0;
  let heldBack = 0;
  for (const policy of policies) {
    if (policy.retainDays === null) continue;
    const cutoff = new Date(now.getTime() - policy.retainDays * DAY_MS);
    for (const { month, start, end } of months) {
      if (start >= cutoff) break;
      const slice: ArchiveSlice = {
        tenantId,
        category: policy.category,
        month,
        monthStart: start,
        until: end < cutoff ? end : cutoff,
      };
      heldBack += await countHeld(knex, slice, holds, options.blindIndex);
      const pending = await pendingSequences(knex, slice);
      let after = '0';
      for (;;) {
        const file = await archiveNextFile(
          knex,
          store,
          options.keys,
          slice,
          holds,
          options.blindIndex,
          pending,
          after,
          options.fileRows,
          now,
        );
        if (file === null) break;
        after = file.after;
        if (file.archived === 0) continue;
        archived += file.archived;
        options.metrics.archived.inc(file.archived);
        await options.afterFile?.();
      }
    }
  }
  for (const month of await monthsToReclaim(knex)) {
    const removed = await reclaimMonth(knex, month, options.lockTimeoutMs);
    if (removed === null)
      options.logger.warn({ month }, 'retention: the partition swap waited too long; retried next run');
  }
  const deleted = await deleteExpired(knex, store, tenantId, policies, now);
  options.metrics.deleted.inc(deleted);
  // Signed again once the deletion log has grown: a deletion record removed later shows.
  if (deleted > 0) await signAndPublish(options, tenantId);
  return { archived, deleted, heldBack };
}

/** Signs the tenant's head and deletion log, and puts the checkpoint beside the archive for auditors. */
async function signAndPublish({ knex, keys, store }: RetentionOptions, tenantId: string): Promise<void> {
  const checkpoint = await makeCheckpoint(knex, keys, tenantId);
  if (checkpoint)
    await store.put(
      checkpointKey(tenantId, checkpoint.sequence, checkpoint.deletionRecords),
      Buffer.from(JSON.stringify(checkpoint, null, 2)),
    );
}

/** Sequences of the slice already in an archive file but still in the live table (a run that stopped). */
async function pendingSequences(knex: Knex, slice: ArchiveSlice): Promise<Set<string>> {
  const rows = await knex('archive_files')
    .select(knex.raw('unnest(sequences)::text AS sequence'))
    .where({ tenant_id: slice.tenantId, category: slice.category, month: `${slice.month}-01` })
    .whereNull('removed_from_live_at');
  return new Set(rows.map((row: { sequence: string }) => row.sequence));
}
