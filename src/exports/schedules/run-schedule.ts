import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../../db/timestamps';
import { reviveFilter } from '../../saved-filters/saved-filter-codec';
import { announceExport, insertExport, type ExportRow } from '../export-jobs';
import { nextRunAfter, periodBefore } from './schedule-period';
import { claimDueSchedules, recordDelivery, type ScheduleRow } from './schedule-jobs';

/** Queues the export of the period before `now`: the schedule's criteria ANDed with the period. */
export async function queueScheduledExport(knex: Knex, schedule: ScheduleRow, now: Date): Promise<ExportRow> {
  const period = periodBefore(schedule.frequency, now);
  const row = await insertExport(knex, {
    tenant_id: schedule.tenant_id,
    id: randomUUID(),
    format: schedule.format,
    gzip: schedule.gzip,
    include_metadata: schedule.include_metadata,
    include_archived: false,
    criteria: {
      filter: period,
      search: null,
      saved: { filter: reviveFilter(schedule.filter), search: schedule.search },
    },
    created_by: schedule.created_by,
    created_by_email: schedule.created_by_email,
    created_by_role: schedule.created_by_role,
    schedule_id: schedule.id,
  });
  await recordDelivery(knex, schedule.tenant_id, schedule.id, { last_export_id: row.id });
  await announceExport(knex, schedule.tenant_id);
  return row;
}

/** Queues every due schedule's run, once across replicas. */
export async function runDueSchedules(knex: Knex, now = new Date()): Promise<number> {
  const due = await claimDueSchedules(knex, (row) => nextRunAfter(row.frequency, now));
  // Each run exports the period before the time it was due, also when it runs late.
  for (const schedule of due) await queueScheduledExport(knex, schedule, toDate(schedule.next_run_at));
  return due.length;
}
