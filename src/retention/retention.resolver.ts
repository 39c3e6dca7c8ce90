import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { serviceKey, tenantOf, type RequestContext } from '../core/context';
import { withConfigChange } from '../events/config-change';
import { AuditAction, AuditCategory } from '../events/enums';
import { BadUserInputError, NotFoundError } from '../errors';
import { parseUuidArgument } from '../ids';
import { parseSearchArgument } from '../search/parse';
import { listDeletionRecords } from './deletion-log';
import { insertHold, listHolds, releaseHold } from './legal-holds';
import { MAX_ARCHIVE_GRACE_DAYS, RETENTION_RANGES, storePolicy, tenantPolicies, tenantPolicy } from './policies';
import { DeletionRecordConnection, LegalHold, RetentionPolicy, RetentionRun } from './retention.types';

/** Runs retention for one tenant now: provided by the retention module. */
export const RETENTION_RUNNER = serviceKey<(tenantId: string) => Promise<RetentionRun>>('retention.runner');

const MAX_REASON_LENGTH = 2000;

function checkRetainDays(category: AuditCategory, retainDays: number | null): void {
  const { minDays, maxDays } = RETENTION_RANGES[category];
  if (retainDays === null) {
    if (maxDays !== null) throw new BadUserInputError('retainDays', `${category} may not be kept indefinitely`);
    return;
  }
  if (retainDays < minDays || (maxDays !== null && retainDays > maxDays))
    throw new BadUserInputError(
      'retainDays',
      `must be between ${minDays} and ${maxDays ?? 'indefinitely (null)'} for ${category}`,
    );
}

@Resolver()
export class RetentionResolver {
  @Query(() => [RetentionPolicy], { description: 'Every category’s retention, the tenant’s own or the default.' })
  retentionPolicies(@Ctx() context: RequestContext): Promise<RetentionPolicy[]> {
    return tenantPolicies(context.services.knex, tenantOf(context));
  }

  @Mutation(() => RetentionPolicy, {
    description:
      'Sets a category’s retention; an argument left out keeps its value, `retainDays: null` keeps indefinitely where allowed. Recorded as RETENTION_CHANGE.',
  })
  async setRetentionPolicy(
    @Ctx() context: RequestContext,
    @Arg('category', () => AuditCategory) category: AuditCategory,
    @Arg('retainDays', () => Int, { nullable: true }) retainDays?: number | null,
    @Arg('archiveGraceDays', () => Int, { nullable: true }) archiveGraceDays?: number | null,
  ): Promise<RetentionPolicy> {
    const admin = context.auth.principal!;
    if (retainDays !== undefined) checkRetainDays(category, retainDays);
    if (archiveGraceDays === null) throw new BadUserInputError('archiveGraceDays', 'must not be null');
    if (archiveGraceDays !== undefined && (archiveGraceDays < 0 || archiveGraceDays > MAX_ARCHIVE_GRACE_DAYS))
      throw new BadUserInputError('archiveGraceDays', `must be between 0 and ${MAX_ARCHIVE_GRACE_DAYS}`);
    return withConfigChange(context, async (em) => {
      const trx = em.getTransactionContext<Knex.Transaction>()!;
      const before = await tenantPolicy(trx, admin.tenantId, category);
      const after = {
        ...before,
        ...(retainDays !== undefined ? { retainDays } : {}),
        ...(archiveGraceDays !== undefined ? { archiveGraceDays } : {}),
      };
      await storePolicy(trx, admin.tenantId, after, admin.subject);
      return {
        result: after,
        action: AuditAction.RETENTION_CHANGE,
        entityType: 'RetentionPolicy',
        entityId: category,
        operation: 'setRetentionPolicy',
        before: { retainDays: before.retainDays, archiveGraceDays: before.archiveGraceDays },
        after: { retainDays: after.retainDays, archiveGraceDays: after.archiveGraceDays },
      };
    });
  }

  @Query(() => [LegalHold], { description: 'The tenant’s legal holds, oldest first; active ones unless asked.' })
  legalHolds(
    @Ctx() context: RequestContext,
    @Arg('includeReleased', () => Boolean, { defaultValue: false }) includeReleased: boolean,
  ): Promise<LegalHold[]> {
    return listHolds(context.services.knex, tenantOf(context), includeReleased);
  }

  @Mutation(() => LegalHold, {
    description: 'Keeps the events `match` finds (all of the tenant’s when null) live. Recorded as CONFIG_CHANGE.',
  })
  placeLegalHold(
    @Ctx() context: RequestContext,
    @Arg('reason', () => String) reason: string,
    @Arg('match', () => String, { nullable: true }) match?: string | null,
  ): Promise<LegalHold> {
    const admin = context.auth.principal!;
    if (!reason.trim() || reason.length > MAX_REASON_LENGTH)
      throw new BadUserInputError('reason', `must hold 1 to ${MAX_REASON_LENGTH} characters`);
    const matchText = match?.trim() ? match.trim() : null;
    if (matchText !== null) parseSearchArgument(matchText, 'match');
    return withConfigChange(context, async (em) => {
      const trx = em.getTransactionContext<Knex.Transaction>()!;
      const hold = await insertHold(trx, admin.tenantId, {
        id: randomUUID(),
        reason,
        match: matchText,
        placedBy: admin.subject,
      });
      return {
        result: hold,
        entityType: 'LegalHold',
        entityId: hold.id,
        operation: 'placeLegalHold',
        before: null,
        after: { reason: hold.reason, match: hold.match },
      };
    });
  }

  @Mutation(() => LegalHold, { description: 'Releases a hold. Recorded as CONFIG_CHANGE.' })
  releaseLegalHold(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<LegalHold> {
    const admin = context.auth.principal!;
    const holdId = parseUuidArgument('id', id);
    return withConfigChange(context, async (em) => {
      const trx = em.getTransactionContext<Knex.Transaction>()!;
      const released = await releaseHold(trx, admin.tenantId, holdId, admin.subject);
      if (!released) throw new NotFoundError('id', 'legal hold');
      return {
        result: released.after,
        entityType: 'LegalHold',
        entityId: holdId,
        operation: 'releaseLegalHold',
        before: { releasedAt: released.before.releasedAt?.toISOString() ?? null },
        after: { releasedAt: released.after.releasedAt?.toISOString() ?? null },
      };
    });
  }

  @Query(() => DeletionRecordConnection, { description: 'The tenant’s deletion log, newest first.' })
  deletionLog(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<DeletionRecordConnection> {
    return listDeletionRecords(context.services.reads, tenantOf(context), first, after ?? null);
  }

  @Mutation(() => RetentionRun, { description: 'Applies the tenant’s retention now (it also runs on a schedule).' })
  applyRetention(@Ctx() context: RequestContext): Promise<RetentionRun> {
    return context.services.get(RETENTION_RUNNER)(tenantOf(context));
  }
}
