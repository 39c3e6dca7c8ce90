import type { Knex } from '@mikro-orm/postgresql';

/** `2001-01` → `audit_events_2001_01`, the name `audit_ensure_partition` gives the month. */
export const partitionOf = (month: string) => `audit_events_${month.replace('-', '_')}`;

function nextMonthStart(month: string): string {
  const [year, number] = month.split('-').map(Number);
  return new Date(Date.UTC(year, number, 1)).toISOString();
}

/** Months whose archived events are still in their partition (a run that stopped, or this one). */
export async function monthsToReclaim(knex: Knex): Promise<string[]> {
  const rows = await knex('archive_files')
    .distinct(knex.raw(`to_char(month, 'YYYY-MM') AS month`))
    .whereNull('removed_from_live_at')
    .orderBy('month');
  return rows.map((row: { month: string }) => row.month);
}

/**
 * Takes a month's archived events out of the live table and gives their space back: the partition
 * is rebuilt with its other rows only (events of other tenants and categories, held or not yet due)
 * and swapped in for the old one, which is dropped; a partition left empty is dropped and made
 * again, empty. The copy happens under a SHARE lock on that month's partition alone (writes of
 * events that occurred in that month wait; reads go on); the table itself is locked only to swap
 * the partitions, with a short lock timeout so that writers are never queued behind it for long.
 * A live event right after one taken out keeps its predecessor's hash (`previous_hash`), which
 * the chain is re-walked from. The archive index is marked in the same transaction: after a crash,
 * either all happened or none.
 * Returns the number of rows removed, or null when the lock could not be had (the next run retries).
 */
export async function reclaimMonth(knex: Knex, month: string, lockTimeoutMs: number): Promise<number | null> {
  const partition = partitionOf(month);
  try {
    return await knex.transaction(async (trx) => {
      const exists = await trx.raw('SELECT to_regclass(?) AS name', [partition]);
      const files = await trx('archive_files')
        .select('tenant_id', 'key')
        .where('month', `${month}-01`)
        .whereNull('removed_from_live_at')
        .forUpdate();
      if (files.length === 0) return 0;
      let removed = 0;
      if (exists.rows[0].name) {
        await trx.raw(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
        await trx.raw(`LOCK TABLE ?? IN SHARE MODE`, [partition]);
        await trx.raw(
          `CREATE TEMP TABLE archived_now (tenant_id text, sequence bigint, PRIMARY KEY (tenant_id, sequence)) ON COMMIT DROP`,
        );
        await trx.raw(
          `INSERT INTO archived_now SELECT tenant_id, unnest(sequences) FROM archive_files
           WHERE month = ? AND removed_from_live_at IS NULL ON CONFLICT DO NOTHING`,
          [`${month}-01`],
        );
        await keepPredecessorHashes(trx, partition);
        const [{ total, kept }] = (
          await trx.raw(
            `SELECT count(*)::int AS total, count(*) FILTER (WHERE a.sequence IS NULL)::int AS kept
             FROM ?? p LEFT JOIN archived_now a ON a.tenant_id = p.tenant_id AND a.sequence = p.sequence`,
            [partition],
          )
        ).rows;
        removed = total - kept;
        const bounds = (
          await trx.raw(
            `SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.oid = ?::regclass`,
            [partition],
          )
        ).rows[0].bound as string;
        if (kept === 0) {
          await trx.raw(`ALTER TABLE audit_events DETACH PARTITION ??`, [partition]);
          await trx.raw(`DROP TABLE ??`, [partition]);
          await trx.raw(`SELECT audit_ensure_partition(?::timestamptz)`, [`${month}-01T00:00:00Z`]);
        } else if (removed > 0) {
          const next = `${partition}_next`;
          await trx.raw(`CREATE TABLE ?? (LIKE audit_events INCLUDING ALL)`, [next]);
          // The bounds as a constraint spare ATTACH a scan of the new partition while the table is locked.
          // DDL takes no parameters: the instants are ISO-8601 text made here.
          await trx.raw(
            `ALTER TABLE ?? ADD CONSTRAINT in_month CHECK (occurred_at >= '${month}-01T00:00:00Z' AND occurred_at < '${nextMonthStart(month)}')`,
            [next],
          );
          const columns = await eventColumnNames(trx);
          const copied = columns.map((name) =>
            name === 'previous_hash' ? 'COALESCE(p.previous_hash, l.hash)' : `p.${name}`,
          );
          await trx.raw(
            `INSERT INTO ?? (${columns.join(', ')}) SELECT ${copied.join(', ')} FROM ?? p
             LEFT JOIN chain_links l ON l.tenant_id = p.tenant_id AND l.sequence = p.sequence
             WHERE NOT EXISTS (SELECT 1 FROM archived_now a WHERE a.tenant_id = p.tenant_id AND a.sequence = p.sequence)`,
            [next, partition],
          );
          await trx.raw(`ALTER TABLE audit_events DETACH PARTITION ??`, [partition]);
          await trx.raw(`ALTER TABLE audit_events ATTACH PARTITION ?? ${bounds}`, [next]);
          await trx.raw(`DROP TABLE ??`, [partition]);
          await trx.raw(`ALTER TABLE ?? RENAME TO ??`, [next, partition]);
          await trx.raw(`ALTER TABLE ?? DROP CONSTRAINT in_month`, [partition]);
        }
      }
      await trx('archive_files')
        .update({ removed_from_live_at: trx.fn.now() })
        .where('month', `${month}-01`)
        .whereNull('removed_from_live_at');
      return removed;
    });
  } catch (error) {
    // Lock timeout, or a writer of that month that deadlocked with the swap: the next run retries.
    if (['55P03', '40P01'].includes((error as { code?: string }).code ?? '')) return null;
    throw error;
  }
}

/**
 * Records, for each live event whose predecessor is taken out now, that predecessor's hash: in
 * `chain_links` for the copy of this partition, and on the event itself when it lies in another
 * month's partition (the one change the table allows, to retention only).
 */
async function keepPredecessorHashes(trx: Knex.Transaction, partition: string): Promise<void> {
  await trx.raw(
    `CREATE TEMP TABLE chain_links (tenant_id text, sequence bigint, hash bytea, PRIMARY KEY (tenant_id, sequence)) ON COMMIT DROP`,
  );
  await trx.raw(
    `INSERT INTO chain_links
     SELECT a.tenant_id, a.sequence + 1, p.hash FROM archived_now a
     JOIN ?? p ON p.tenant_id = a.tenant_id AND p.sequence = a.sequence
     WHERE NOT EXISTS (SELECT 1 FROM archived_now b WHERE b.tenant_id = a.tenant_id AND b.sequence = a.sequence + 1)`,
    [partition],
  );
  const elsewhere = await trx.raw(
    `CREATE TEMP TABLE chain_links_elsewhere ON COMMIT DROP AS SELECT l.* FROM chain_links l
     WHERE NOT EXISTS (SELECT 1 FROM ?? p WHERE p.tenant_id = l.tenant_id AND p.sequence = l.sequence)`,
    [partition],
  );
  if (elsewhere.rowCount === 0) return;
  await trx.raw(`SET LOCAL audit.pruning = 'on'`);
  await trx.raw(
    `UPDATE audit_events e SET previous_hash = l.hash FROM chain_links_elsewhere l
     WHERE e.tenant_id = l.tenant_id AND e.sequence = l.sequence AND e.previous_hash IS NULL`,
  );
  await trx.raw(`SET LOCAL audit.pruning = 'off'`);
}

/** The event table's columns, in order, quoted. */
async function eventColumnNames(trx: Knex.Transaction): Promise<string[]> {
  const { rows } = await trx.raw(
    `SELECT quote_ident(attname) AS name FROM pg_attribute
     WHERE attrelid = 'audit_events'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  return rows.map((row: { name: string }) => row.name);
}
