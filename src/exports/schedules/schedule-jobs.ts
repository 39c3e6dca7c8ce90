import type { Knex } from '@mikro-orm/postgresql';
import type { ExportFormat } from '../export.types';
import type { ExportFrequency } from './schedule-period';
import type { ExportDestination } from './schedule.types';

/** An `audit_export_schedules` row; instants as PostgreSQL's text. */
export interface ScheduleRow {
  tenant_id: string;
  id: string;
  name: string;
  frequency: ExportFrequency;
  format: ExportFormat;
  gzip: boolean;
  include_metadata: boolean;
  filter: Record<string, unknown>;
  search: string | null;
  destination: ExportDestination;
  sftp_url: string | null;
  /** `SHA256:<base64>`, as `ssh-keygen -lf` prints the server's host key. */
  sftp_host_key: string | null;
  email_to: string[];
  link_base: string | null;
  next_run_at: string;
  last_export_id: string | null;
  last_delivery_error: string | null;
  delivered_at: string | null;
  created_by: string;
  created_by_email: string | null;
  created_by_role: string;
  /** Its creator lacked READ_PERSONAL_DATA: each run is masked with the tenant's marks as they are then. */
  mask_personal_data: boolean;
}

export async function insertSchedule(
  knex: Knex,
  row: Omit<ScheduleRow, 'last_export_id' | 'last_delivery_error' | 'delivered_at' | 'next_run_at'> & {
    next_run_at: Date;
  },
): Promise<ScheduleRow> {
  const [inserted] = await knex('audit_export_schedules')
    .insert({ ...row, filter: JSON.stringify(row.filter) })
    .returning('*');
  return inserted as ScheduleRow;
}

export function findSchedule(knex: Knex, tenantId: string, id: string): Promise<ScheduleRow | undefined> {
  return knex.first('*').from('audit_export_schedules').where({ tenant_id: tenantId, id });
}

export function listSchedules(knex: Knex, tenantId: string): Promise<ScheduleRow[]> {
  return knex.select('*').from('audit_export_schedules').where({ tenant_id: tenantId }).orderBy('created_at', 'desc');
}

/** Deletes a schedule; returns it as it was, or undefined when there was none. */
export async function deleteSchedule(knex: Knex, tenantId: string, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await knex('audit_export_schedules').where({ tenant_id: tenantId, id }).delete().returning('*');
  return row as ScheduleRow | undefined;
}

/**
 * Takes the schedules due at `now` and moves each to its next run in the same statement: one
 * replica queues each run (SKIP LOCKED), however many look at once. `now` is the service's clock,
 * the one that set `next_run_at`, so that a run is due by the same clock that planned it.
 */
export async function claimDueSchedules(
  knex: Knex,
  now: Date,
  next: (row: ScheduleRow) => Date,
): Promise<ScheduleRow[]> {
  return knex.transaction(async (trx) => {
    const due: ScheduleRow[] = await trx
      .select('*')
      .from('audit_export_schedules')
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .limit(50)
      .forUpdate()
      .skipLocked();
    for (const row of due)
      await trx('audit_export_schedules')
        .where({ tenant_id: row.tenant_id, id: row.id })
        .update({ next_run_at: next(row) });
    return due;
  });
}

export async function recordDelivery(
  knex: Knex,
  tenantId: string,
  id: string,
  fields: { last_export_id?: string; delivered_at?: Date; last_delivery_error?: string | null },
): Promise<void> {
  await knex('audit_export_schedules').where({ tenant_id: tenantId, id }).update(fields);
}
