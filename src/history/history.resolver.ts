import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { AuditEventConnection } from '../reading/connection.type';
import { AuditEventFilter, RecordHistoryFilter, toEventFilter } from '../reading/filter.input';
import { checkPageArgs } from '../reading/page';
import type { RequestContext } from '../server/context';
import { crmEntityClasses, type CrmRecord } from './crm-entities';
import { CRM_ENTITY_TYPES, type CrmEntityType } from './crm-entity-types';

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
      const { cursor } = checkPageArgs({ first, after });
      const key = { by: 'entity' as const, entityType: name, id: record.id, first, cursor, filter: toEventFilter(filter) };
      return context.historyLoader().load(key);
    }
  }
  return HistoryResolver;
}

@Resolver(() => crmEntityClasses.User)
class UserActivityResolver {
  @FieldResolver(() => AuditEventConnection, { nullable: true, description: 'The events this user performed, newest first.' })
  auditActivity(
    @Root() user: CrmRecord,
    @Ctx() context: RequestContext,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { defaultValue: 20, nullable: true }) first: number,
  ): Promise<AuditEventConnection> {
    const { cursor } = checkPageArgs({ first, after });
    const key = { by: 'actor' as const, entityType: 'User', id: user.id, first, cursor, filter: toEventFilter(filter) };
    return context.historyLoader().load(key);
  }
}

export const historyResolvers = [...CRM_ENTITY_TYPES.map(historyResolver), UserActivityResolver] as const;
