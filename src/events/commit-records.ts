import type { Knex } from '@mikro-orm/postgresql';

/**
 * Deletes the commit records (`audit_commit_actions`) of batches more than `keptBehindHead` sequences
 * behind their tenant's head; returns how many. The alert evaluator deletes the records its checkpoint
 * passes: these are the ones no evaluator takes (every replica runs with `ALERT_DETECTORS=off`) or
 * one so far behind that it reads those events themselves, as it does events with no record.
 */
export async function forgetStaleCommitRecords(knex: Knex, keptBehindHead: number): Promise<number> {
  const { rowCount } = await knex.raw(
    `DELETE FROM audit_commit_actions a USING audit_log_heads h
     WHERE a.tenant_id = h.tenant_id AND a.to_sequence <= h.last_sequence - ?`,
    [keptBehindHead],
  );
  return rowCount ?? 0;
}
