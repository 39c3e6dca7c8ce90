import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { AuditEventConnection } from '../reading/connection.type';
import { AuditEventFilter, RecordHistoryFilter, toEventFilter } from '../reading/filter.input';
import { noteAccess } from '../events/access-note';
import { redactionOf } from '../events/redaction';
import { checkPageArgs, redactConnection } from '../reading/page';
import { checkCriteriaVisible } from '../reading/personal-criteria';
import type { RequestContext } from '../core/context';
import { crmEntityClasses, type CrmRecord } from './crm-entities';
import { CRM_ENTITY_TYPES, type CrmEntityType } from './crm-entity-types';
import { HISTORY_LOADER, type HistoryKey } from './history.loader';

async function loadPage(
  context: RequestContext,
  key: Pick<HistoryKey, 'by' | 'entityType' | 'id'>,
  page: { first: number; after: string | null; filter: AuditEventFilter | RecordHistoryFilter | null },
): Promise<AuditEventConnection> {
  const { cursor } = checkPageArgs(page);
  const filter = toEventFilter(page.filter);
  const redaction = await redactionOf(context);
  checkCriteriaVisible({ filter }, redaction);
  noteAccess(context, {
    target: `${key.entityType}/${key.id}`,
    field: key.by === 'entity' ? 'auditHistory' : 'auditActivity',
    ...(page.filter ? { detail: { filter: page.filter } } : {}),
  });
  const connection = await context.loader(HISTORY_LOADER).load({ ...key, first: page.first, cursor, filter });
  return redactConnection(connection, redaction);
}

function historyResolver(name: CrmEntityType) {
  @Resolver(() => crmEntityClasses[name])
  class HistoryResolver {
    @FieldResolver(() => AuditEventConnection, {
      nullable: true,
      description: `Events of this ${name}, newest first. Null with a FORBIDDEN error for callers who may not read the audit log.`,
    })
    auditHistory(
      @Root() record: CrmRecord,
      @Ctx() context: RequestContext,
      @Arg('filter', () => RecordHistoryFilter, { nullable: true }) filter: RecordHistoryFilter | null,
      @Arg('after', () => String, { nullable: true }) after: string | null,
      @Arg('first', () => Int, { defaultValue: 20, nullable: true }) first: number,
    ): Promise<AuditEventConnection> {
      return loadPage(context, { by: 'entity', entityType: name, id: record.id }, { first, after, filter });
    }
  }
  return HistoryResolver;
}

@Resolver(() => crmEntityClasses.User)
class UserActivityResolver {
  @FieldResolver(() => AuditEventConnection, {
    nullable: true,
    description: 'The events this user performed, newest first.',
  })
  auditActivity(
    @Root() user: CrmRecord,
    @Ctx() context: RequestContext,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { defaultValue: 20, nullable: true }) first: number,
  ): Promise<AuditEventConnection> {
    return loadPage(context, { by: 'actor', entityType: 'User', id: user.id }, { first, after, filter });
  }
}

export const historyResolvers = [...CRM_ENTITY_TYPES.map(historyResolver), UserActivityResolver] as const;
