import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../../db/timestamps';
import { storedRedaction, type PersonalFieldSource } from '../../events/redaction';
import { reviveFilter } from '../../saved-filters/saved-filter-codec';
import { announceExport, insertExport, type ExportRow } from '../export-jobs';
import { nextRunAfter, periodBefore } from './schedule-period';
import { claimDueSchedules, recordDelivery, type ScheduleRow } from './schedule-jobs';

/**
 * Queues the export of the period before `now`: the schedule's criteria ANDed with the period,
 * masked, when its creator could not read personal data, with the fields marked personal now.
 */
export async function queueScheduledExport(
  knex: Knex,
  personalFields: PersonalFieldSource,
  schedule: ScheduleRow,
  now: Date,
): Promise<ExportRow> {
  const period = periodBefore(schedule.frequency, now);
  const marks = schedule.mask_personal_data ? await personalFields.of(schedule.tenant_id) : null;
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
    redaction: storedRedaction(marks && { personalFields: marks }),
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
export async function runDueSchedules(
  knex: Knex,
  personalFields: PersonalFieldSource,
  now = new Date(),
): Promise<number> {
  const due = await claimDueSchedules(knex, now, (row) => nextRunAfter(row.frequency, now));
  // Each run exports the period before the time it was due, also when it runs late.
  for (const schedule of due) await queueScheduledExport(knex, personalFields, schedule, toDate(schedule.next_run_at));
  return due.length;
}
