import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { tenantOf, type RequestContext } from '../../core/context';
import { toDate } from '../../db/timestamps';
import { withConfigChange } from '../../events/config-change';
import { BadUserInputError, NotFoundError } from '../../errors';
import { parseUuidArgument } from '../../ids';
import { PERSONAL_FIELD_SOURCE, redactionOf } from '../../events/redaction';
import { toEventFilter } from '../../reading/filter.input';
import { checkCriteriaVisible } from '../../reading/personal-criteria';
import { checkSavedCriteria } from '../../saved-filters/saved-filter-codec';
import { findExport } from '../export-jobs';
import { AuditExport } from '../export.types';
import { EXPORTS } from '../exports-runtime';
import { exportView } from '../exports.resolver';
import { deleteSchedule, findSchedule, insertSchedule, listSchedules, type ScheduleRow } from './schedule-jobs';
import { nextRunAfter } from './schedule-period';
import { AuditExportSchedule, AuditExportScheduleInput, ExportDestination } from './schedule.types';
import { queueScheduledExport } from './run-schedule';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** What `ssh-keygen -lf` prints of a key: SHA-256, base64 without padding. */
const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

function view(row: ScheduleRow): AuditExportSchedule {
  return {
    id: row.id,
    name: row.name,
    frequency: row.frequency,
    format: row.format,
    gzip: row.gzip,
    includeMetadata: row.include_metadata,
    filter: row.filter,
    search: row.search,
    destination: row.destination,
    sftpUrl: row.sftp_url,
    sftpHostKey: row.sftp_host_key,
    emailTo: row.email_to,
    nextRunAt: toDate(row.next_run_at),
    lastExportId: row.last_export_id,
    deliveredAt: row.delivered_at ? toDate(row.delivered_at) : null,
    lastDeliveryError: row.last_delivery_error,
    personalDataMasked: row.mask_personal_data,
  };
}

/** A schedule's settings as its CONFIG_CHANGE events show them (not its run state). */
function settingsOf(row: ScheduleRow): Record<string, unknown> {
  const { name, frequency, format, gzip, filter, search, destination } = row;
  return {
    name,
    frequency,
    format,
    gzip,
    includeMetadata: row.include_metadata,
    maskPersonalData: row.mask_personal_data,
    filter,
    search,
    destination,
    sftpUrl: row.sftp_url,
    sftpHostKey: row.sftp_host_key,
    emailTo: row.email_to,
  };
}

/** @throws BadUserInputError naming the field of `input` at fault. */
function checkInput(input: AuditExportScheduleInput): ExportDestination {
  if (!input.name.trim() || input.name.length > 200)
    throw new BadUserInputError('input.name', 'must hold 1 to 200 characters');
  const destination = input.destination ?? ExportDestination.STORE;
  if (destination === ExportDestination.SFTP) {
    let url: URL | null = null;
    try {
      url = new URL(input.sftpUrl ?? '');
    } catch {
      url = null;
    }
    if (!url || url.protocol !== 'sftp:' || !url.username || !url.hostname)
      throw new BadUserInputError('input.sftpUrl', 'must be sftp://user@host[:port]/folder');
    if (!HOST_KEY_FINGERPRINT.test(input.sftpHostKey?.trim() ?? ''))
      throw new BadUserInputError(
        'input.sftpHostKey',
        'must be the server’s host key fingerprint as `ssh-keygen -lf` prints it: SHA256:<43 base64 characters>',
      );
  }
  if (
    destination === ExportDestination.EMAIL &&
    (!input.emailTo?.length || input.emailTo.some((to) => !EMAIL.test(to)))
  )
    throw new BadUserInputError('input.emailTo', 'must list one or more email addresses');
  return destination;
}

@Resolver(() => AuditExportSchedule)
export class ExportSchedulesResolver {
  @Mutation(() => AuditExportSchedule, {
    description:
      'Exports the events of each day, week or month once it ended, and delivers them. Recorded as CONFIG_CHANGE.',
  })
  async createAuditExportSchedule(
    @Ctx() context: RequestContext,
    @Arg('input', () => AuditExportScheduleInput) input: AuditExportScheduleInput,
  ): Promise<AuditExportSchedule> {
    const admin = context.auth.principal!;
    const destination = checkInput(input);
    const filter = toEventFilter(input.filter);
    const search = input.search?.trim() || null;
    checkSavedCriteria(context.services, { filter, search });
    const redaction = await redactionOf(context);
    checkCriteriaVisible({ filter, search }, redaction, 'input.');
    return withConfigChange(context, async (em) => {
      const row = await insertSchedule(em.getTransactionContext<Knex.Transaction>()!, {
        tenant_id: admin.tenantId,
        id: randomUUID(),
        name: input.name.trim(),
        frequency: input.frequency,
        format: input.format,
        gzip: input.gzip ?? false,
        include_metadata: input.includeMetadata ?? true,
        filter: JSON.parse(JSON.stringify(filter)) as Record<string, unknown>,
        search,
        destination,
        sftp_url: destination === ExportDestination.SFTP ? input.sftpUrl! : null,
        sftp_host_key: destination === ExportDestination.SFTP ? input.sftpHostKey!.trim() : null,
        email_to: destination === ExportDestination.EMAIL ? input.emailTo! : [],
        link_base: context.origin ?? null,
        next_run_at: nextRunAfter(input.frequency, new Date()),
        created_by: admin.subject,
        created_by_email: admin.email,
        created_by_role: admin.role,
        mask_personal_data: redaction !== null,
      });
      return {
        result: view(row),
        entityType: 'AuditExportSchedule',
        entityId: row.id,
        operation: 'createAuditExportSchedule',
        before: null,
        after: settingsOf(row),
      };
    });
  }

  @Mutation(() => Boolean, { description: 'Deletes a schedule; exports it made stay. Recorded as CONFIG_CHANGE.' })
  deleteAuditExportSchedule(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    const tenantId = tenantOf(context);
    const scheduleId = parseUuidArgument('id', id);
    return withConfigChange(context, async (em) => {
      const trx = em.getTransactionContext<Knex.Transaction>()!;
      const row = await deleteSchedule(trx, tenantId, scheduleId);
      if (!row) throw new NotFoundError('id', 'export schedule');
      return {
        result: true,
        entityType: 'AuditExportSchedule',
        entityId: scheduleId,
        operation: 'deleteAuditExportSchedule',
        before: settingsOf(row),
        after: null,
      };
    });
  }

  @Mutation(() => AuditExport, {
    description:
      'Runs a schedule now, for the period that ended last; delivered like a scheduled run, and masked as its creator’s.',
  })
  async runAuditExportSchedule(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<AuditExport> {
    const { knex } = context.services;
    const schedule = await findSchedule(knex, tenantOf(context), parseUuidArgument('id', id));
    if (!schedule) throw new NotFoundError('id', 'export schedule');
    const queued = await queueScheduledExport(knex, context.services.get(PERSONAL_FIELD_SOURCE), schedule, new Date());
    context.services.get(EXPORTS).wakeWorker();
    return exportView(context, (await findExport(knex, schedule.tenant_id, queued.id)) ?? queued);
  }

  @Query(() => [AuditExportSchedule], { description: 'The tenant’s export schedules, newest first.' })
  async auditExportSchedules(@Ctx() context: RequestContext): Promise<AuditExportSchedule[]> {
    return (await listSchedules(context.services.reads, tenantOf(context))).map(view);
  }
}
