import { randomUUID } from 'node:crypto';
import {
  Arg,
  Ctx,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { AuditPermission, requirePermissions } from '../auth/permissions';
import { tenantOf, type RequestContext } from '../core/context';
import { AuditError, BadUserInputError, ErrorCode, NotFoundError } from '../errors';
import { parseUuidArgument } from '../ids';
import type { LiveContext } from '../live/live-operation';
import { noteAccess } from '../events/access-note';
import { redactionOf, storedRedaction } from '../events/redaction';
import { decodeCursor, encodeCursor } from '../reading/cursor';
import { toEventFilter } from '../reading/filter.input';
import { checkPageArgs } from '../reading/page';
import { checkCriteriaVisible } from '../reading/personal-criteria';
import { savedCriteriaOf } from '../reading/saved-criteria';
import { checkSavedCriteria } from '../saved-filters/saved-filter-codec';
import {
  announceExport,
  cancelExport,
  findExport,
  insertExport,
  listExports,
  type ExportRow,
  type NewExport,
} from './export-jobs';
import { toAuditExport } from './export-view';
import { AuditExport, AuditExportConnection, AuditExportInput, ExportFormat } from './export.types';
import { EXPORTS } from './exports-runtime';

/** The export as the caller sees it (see toAuditExport). */
export async function exportView(context: RequestContext, row: ExportRow): Promise<AuditExport> {
  const runtime = context.services.get(EXPORTS);
  const seesPersonalData = (await redactionOf(context)) === null;
  return toAuditExport(row, (exported) => runtime.downloadLink(exported, context.origin), seesPersonalData);
}

/**
 * Queues an export for the caller (behind its permission rule); shared by GraphQL and REST. It is
 * masked as the caller's reads are now, and criteria that would match on what is masked are refused.
 */
export async function startExport(context: RequestContext, input: AuditExportInput): Promise<AuditExport> {
  const filter = toEventFilter(input.filter);
  const search = input.search?.trim() || null;
  checkSavedCriteria(context.services, { filter, search });
  if (input.format === ExportFormat.PDF && input.gzip)
    throw new AuditError(ErrorCode.BadUserInput, 'input.gzip: a PDF is not compressed', { argument: 'input.gzip' });
  if (input.format === ExportFormat.PDF && input.includeArchived)
    throw new BadUserInputError('input.includeArchived', 'a PDF report covers the live events only');
  const saved = (await savedCriteriaOf(context, input.savedFilterId, 'input.savedFilterId')) ?? null;
  const redaction = await redactionOf(context);
  checkCriteriaVisible({ filter, search, saved }, redaction, 'input.');
  return queueExport(context, {
    format: input.format,
    gzip: input.gzip ?? false,
    include_metadata: input.includeMetadata ?? true,
    include_archived: input.includeArchived ?? false,
    criteria: { filter, search, saved },
    redaction: storedRedaction(redaction),
  });
}

/** Queues an export for the caller, as whom it runs. */
async function queueExport(
  context: RequestContext,
  fields: Pick<NewExport, 'format' | 'gzip' | 'include_metadata' | 'include_archived' | 'criteria' | 'redaction'>,
): Promise<AuditExport> {
  const admin = context.auth.principal!;
  const { knex } = context.services;
  const row = await insertExport(knex, {
    ...fields,
    tenant_id: admin.tenantId,
    id: randomUUID(),
    created_by: admin.subject,
    created_by_email: admin.email,
    created_by_role: admin.role,
  });
  await announceExport(knex, admin.tenantId);
  context.services.get(EXPORTS).wakeWorker();
  return exportView(context, row);
}

const MAX_SUBJECT_ID_LENGTH = 512;

/** One export of the caller's tenant, or null. */
export async function readExport(context: RequestContext, id: string): Promise<AuditExport | null> {
  const row = await findExport(context.services.reads, tenantOf(context), parseUuidArgument('id', id));
  return row ? exportView(context, row) : null;
}

@Resolver(() => AuditExport)
export class ExportsResolver {
  @Mutation(() => AuditExport, {
    description:
      'Queues an export of the events `auditEvents` would list for the same criteria, masked as they are for the caller.',
  })
  startAuditExport(
    @Ctx() context: RequestContext,
    @Arg('input', () => AuditExportInput) input: AuditExportInput,
  ): Promise<AuditExport> {
    return startExport(context, input);
  }

  @Mutation(() => AuditExport, {
    description:
      'Queues an export of every event of a data subject (GDPR right of access): those where it is the actor, the ' +
      'impersonator, the `User` record, or a value in `changes` (its id, or its email, sealed or not), live and ' +
      'archived; personal values of an erased subject read as null and are listed in `redactedFields`.',
  })
  async startSubjectAccessExport(
    @Ctx() context: RequestContext,
    @Arg('subjectId', () => ID) subjectId: string,
    @Arg('format', () => ExportFormat, { defaultValue: ExportFormat.JSON }) format: ExportFormat,
  ): Promise<AuditExport> {
    if (!subjectId.trim() || subjectId.length > MAX_SUBJECT_ID_LENGTH)
      throw new BadUserInputError('subjectId', `must be 1 to ${MAX_SUBJECT_ID_LENGTH} characters`);
    noteAccess(context, { target: `DataSubject/${subjectId}`, field: 'startSubjectAccessExport', detail: { format } });
    return queueExport(context, {
      format,
      gzip: false,
      include_metadata: true,
      include_archived: true,
      criteria: { filter: {}, search: null, saved: null, subject: { id: subjectId } },
      // Behind READ_PERSONAL_DATA: nothing is masked.
      redaction: storedRedaction(await redactionOf(context)),
    });
  }

  @Mutation(() => AuditExport, {
    description: 'Cancels a waiting or running export; a finished one is returned as it is.',
  })
  async cancelAuditExport(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<AuditExport> {
    const tenantId = tenantOf(context);
    const exportId = parseUuidArgument('id', id);
    const { knex } = context.services;
    const row = (await cancelExport(knex, tenantId, exportId)) ?? (await findExport(knex, tenantId, exportId));
    if (!row) throw new NotFoundError('id', 'export');
    await announceExport(knex, tenantId);
    return exportView(context, row);
  }

  @Query(() => AuditExport, { nullable: true, description: 'One export of the tenant, or null.' })
  auditExport(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<AuditExport | null> {
    return readExport(context, id);
  }

  @Query(() => AuditExportConnection, { description: 'The tenant’s exports, newest first.' })
  async auditExports(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50, nullable: true }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<AuditExportConnection> {
    const page = checkPageArgs({ first, after: null });
    const cursor = after == null ? null : decodeCursor(after);
    const rows = await listExports(context.services.reads, tenantOf(context), page.first, cursor);
    const edges = await Promise.all(
      rows.slice(0, page.first).map(async (row) => ({
        cursor: encodeCursor({ occurredUs: row.created_us, id: row.id }),
        node: await exportView(context, row),
      })),
    );
    return { edges, pageInfo: { hasNextPage: rows.length > page.first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Subscription(() => AuditExport, {
    subscribe: subscribeToProgress,
    description: 'The export now, then each change of its progress or status, until it ends.',
  })
  auditExportProgress(
    @Root() row: ExportRow,
    @Ctx() context: RequestContext,
    @Arg('id', () => ID) _id: string,
  ): Promise<AuditExport> {
    return exportView(context, row);
  }
}

async function subscribeToProgress({
  args,
  context,
}: SubscribeResolverData<unknown, { id: string }, LiveContext>): Promise<AsyncIterable<ExportRow>> {
  if (!context.live)
    throw new AuditError(
      ErrorCode.NotServedHere,
      'auditExportProgress is served over WebSocket (graphql-transport-ws)',
    );
  await requirePermissions(context, [AuditPermission.EXPORT]);
  const tenantId = tenantOf(context);
  const id = parseUuidArgument('id', args.id);
  if (!(await findExport(context.services.reads, tenantId, id))) throw new NotFoundError('id', 'export');
  return context.services.get(EXPORTS).hub.watch(tenantId, id);
}
