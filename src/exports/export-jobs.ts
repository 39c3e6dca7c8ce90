import type { Knex } from '@mikro-orm/postgresql';
import { encodeCommitNotice } from '../live/commit-notice';
import type { StoredRedaction } from '../events/redaction';
import type { EventCriteria } from '../reading/apply-criteria';
import type { ExportFormat } from './export.types';
import { ExportStatus } from './export.types';

/** The channel that tells every replica an export of a tenant changed (progress, end). */
export const EXPORT_CHANNEL = 'audit_export_progress';

/** An `audit_exports` row; instants as PostgreSQL's text (see db/timestamps). */
export interface ExportRow {
  tenant_id: string;
  id: string;
  format: ExportFormat;
  gzip: boolean;
  include_metadata: boolean;
  include_archived: boolean;
  criteria: EventCriteria;
  /** What its requester could not see when it asked; null: the file is whole. */
  redaction: StoredRedaction | null;
  head_sequence: string;
  head_hash: string | null;
  status: ExportStatus;
  rows_written: string;
  rows_total: string | null;
  bytes: string | null;
  sha256: string | null;
  object_key: string | null;
  error: string | null;
  created_by: string;
  created_by_email: string | null;
  created_by_role: string;
  created_at: string;
  created_us: string;
  started_at: string | null;
  finished_at: string | null;
  expires_at: string | null;
  attempts: number;
  /** Set when a schedule queued it: delivered to the schedule's destination once written. */
  schedule_id: string | null;
}

const COLUMNS = `*, (extract(epoch from created_at) * 1000000)::bigint::text AS created_us`;

export type NewExport = Pick<
  ExportRow,
  | 'tenant_id'
  | 'id'
  | 'format'
  | 'gzip'
  | 'include_metadata'
  | 'include_archived'
  | 'criteria'
  | 'redaction'
  | 'created_by'
  | 'created_by_email'
  | 'created_by_role'
> &
  Partial<Pick<ExportRow, 'schedule_id'>>;

/** Tells every replica's `auditExportProgress` subscribers of the tenant to read their exports again. */
export async function announceExport(knex: Knex, tenantId: string): Promise<void> {
  await knex.raw('SELECT pg_notify(?, ?)', [EXPORT_CHANNEL, encodeCommitNotice(new Map([[tenantId, '0']]))]);
}

/** Queues an export of the tenant's log as it is now: its chain head bounds the rows. */
export async function insertExport(knex: Knex, fields: NewExport): Promise<ExportRow> {
  const [row] = await knex('audit_exports')
    .insert({
      ...fields,
      criteria: JSON.stringify(fields.criteria),
      redaction: fields.redaction && JSON.stringify(fields.redaction),
      status: ExportStatus.PENDING,
      head_sequence: knex.raw(
        'coalesce((SELECT last_sequence FROM audit_log_heads WHERE tenant_id = ?), 0)',
        fields.tenant_id,
      ),
      head_hash: knex.raw(
        "(SELECT encode(last_hash, 'hex') FROM audit_log_heads WHERE tenant_id = ?)",
        fields.tenant_id,
      ),
    })
    .returning(knex.raw(COLUMNS));
  return row as ExportRow;
}

export async function findExport(knex: Knex, tenantId: string, id: string): Promise<ExportRow | undefined> {
  return knex.first(knex.raw(COLUMNS)).from('audit_exports').where({ tenant_id: tenantId, id });
}

/** Newest first, `first + 1` rows after the position (created_at in microseconds, id). */
export async function listExports(
  knex: Knex,
  tenantId: string,
  first: number,
  after: { occurredUs: string; id: string } | null,
): Promise<ExportRow[]> {
  const qb = knex.select(knex.raw(COLUMNS)).from('audit_exports').where('tenant_id', tenantId);
  if (after)
    qb.whereRaw(`(created_at, id) < (timestamptz 'epoch' + ? * interval '1 microsecond', ?::uuid)`, [
      after.occurredUs,
      after.id,
    ]);
  return qb
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(first + 1);
}

/**
 * Takes the oldest export waiting, or running under a lease that lapsed (its worker died or was
 * stopped), for `leaseMs`. SKIP LOCKED: replicas claiming at once each get another one.
 */
export async function claimExport(knex: Knex, owner: string, leaseMs: number): Promise<ExportRow | undefined> {
  const { rows } = await knex.raw(
    `UPDATE audit_exports x
     SET status = 'RUNNING', lease_owner = ?, lease_until = now() + ? * interval '1 millisecond',
         attempts = x.attempts + 1, started_at = coalesce(x.started_at, now()), rows_written = 0
     FROM (SELECT tenant_id, id FROM audit_exports
           WHERE status IN ('PENDING', 'RUNNING') AND (lease_until IS NULL OR lease_until < now())
           ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) next
     WHERE x.tenant_id = next.tenant_id AND x.id = next.id
     RETURNING x.*, (extract(epoch from x.created_at) * 1000000)::bigint::text AS created_us`,
    [owner, leaseMs],
  );
  return (rows as ExportRow[])[0];
}

/**
 * Renews the lease and records progress; false when the export is no longer this worker's to
 * write (cancelled, or taken over after the lease lapsed).
 */
export async function renewLease(
  knex: Knex,
  row: ExportRow,
  owner: string,
  leaseMs: number,
  progress: { rowsWritten: number; rowsTotal: number | null },
): Promise<boolean> {
  const updated = await knex('audit_exports')
    .where({ tenant_id: row.tenant_id, id: row.id, status: ExportStatus.RUNNING, lease_owner: owner })
    .update({
      lease_until: knex.raw(`now() + ? * interval '1 millisecond'`, [leaseMs]),
      rows_written: progress.rowsWritten,
      rows_total: progress.rowsTotal,
    });
  return updated === 1;
}

/** Ends a run this worker holds; false when it no longer held it. */
export async function endRun(
  knex: Knex,
  row: ExportRow,
  owner: string,
  {
    keepForMs,
    ...fields
  }: Partial<Pick<ExportRow, 'status' | 'error' | 'bytes' | 'sha256' | 'object_key'>> & {
    /** The file is kept this long, then expired: on PostgreSQL's clock, the one `expireExports` reads. */
    keepForMs?: number;
    rows_written?: number;
    rows_total?: number | null;
  },
): Promise<boolean> {
  const expiry =
    keepForMs === undefined ? {} : { expires_at: knex.raw(`now() + ? * interval '1 millisecond'`, [keepForMs]) };
  const updated = await knex('audit_exports')
    .where({ tenant_id: row.tenant_id, id: row.id, status: ExportStatus.RUNNING, lease_owner: owner })
    .update({ ...fields, ...expiry, finished_at: knex.fn.now(), lease_owner: null, lease_until: null });
  return updated === 1;
}

/** Gives a run back to the queue at once (this replica stops): another replica starts it again. */
export async function releaseRun(knex: Knex, row: ExportRow, owner: string): Promise<void> {
  await knex('audit_exports')
    .where({ tenant_id: row.tenant_id, id: row.id, status: ExportStatus.RUNNING, lease_owner: owner })
    .update({ lease_until: null, lease_owner: null });
}

/** Cancels a waiting or running export; its worker notices at its next lease renewal. */
export async function cancelExport(knex: Knex, tenantId: string, id: string): Promise<ExportRow | undefined> {
  const [row] = await knex('audit_exports')
    .where({ tenant_id: tenantId, id })
    .whereIn('status', [ExportStatus.PENDING, ExportStatus.RUNNING])
    .update({ status: ExportStatus.CANCELLED, finished_at: knex.fn.now(), lease_owner: null, lease_until: null })
    .returning(knex.raw(COLUMNS));
  return row as ExportRow | undefined;
}

/** Marks exports past their expiry EXPIRED; returns them, whose files are then deleted. */
export async function expireExports(knex: Knex): Promise<ExportRow[]> {
  return knex('audit_exports')
    .where('status', ExportStatus.SUCCEEDED)
    .andWhere('expires_at', '<', knex.fn.now())
    .update({ status: ExportStatus.EXPIRED })
    .returning(knex.raw(COLUMNS));
}
