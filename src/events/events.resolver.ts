import type { GraphQLFieldResolver } from 'graphql';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { AuditEventConnection } from '../reading/connection.type';
import { parseUuidArgument } from '../ids';
import { findEvent, listEvents } from '../reading/event-reader';
import { savedCriteriaOf } from '../reading/saved-criteria';
import { AuditEventFilter, toEventFilter } from '../reading/filter.input';
import { tenantOf, type RequestContext } from '../core/context';
import { AuditEventInput } from './audit-event.input';
import { AuditEvent } from './audit-event.type';
import { recordEvents, writerOf } from './record-events';
import { RecordAuditEventsPayload } from './record-payload.type';

@Resolver()
export class EventsResolver {
  @Mutation(() => RecordAuditEventsPayload, {
    description:
      'Stores 1 to 1000 events, whole or not at all (SERVICE only). An id already stored with the same content is a duplicate.',
  })
  async recordAuditEvents(
    @Ctx() context: RequestContext,
    @Arg('events', () => [AuditEventInput]) events: AuditEventInput[],
  ): Promise<RecordAuditEventsPayload> {
    const result = await recordEvents(writerOf(context.services), context.auth.principal!, events);
    context.log.info({ recorded: result.recorded, duplicates: result.duplicates }, 'audit events recorded');
    return result;
  }

  @Query(() => AuditEventConnection, {
    description: 'The tenant’s events, newest first. `search` is ANDed with `filter`.',
  })
  async auditEvents(
    @Ctx() context: RequestContext,
    @Arg('savedFilterId', () => ID, {
      nullable: true,
      description: 'A saved filter (the caller’s own or a shared one) to AND with `filter` and `search`.',
    })
    savedFilterId?: string | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('first', () => Int, { defaultValue: 50, nullable: true }) first = 50,
    @Arg('search', () => String, { nullable: true, description: 'The structured search syntax (see the README).' })
    search?: string | null,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter?: AuditEventFilter | null,
  ): Promise<AuditEventConnection> {
    const { reads } = context.services;
    const saved = await savedCriteriaOf(context, savedFilterId);
    return listEvents(reads, tenantOf(context), { filter: toEventFilter(filter), search, first, after, saved });
  }

  @Query(() => AuditEvent, { nullable: true, description: 'One event of the tenant, or null.' })
  auditEvent(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<AuditEvent | null> {
    return findEvent(context.services.reads, tenantOf(context), parseUuidArgument('id', id));
  }
}

/** `recordAuditEvents` with the events as GraphQL coerced them (see `AuditModule.coercedArgumentResolvers`). */
export const recordCoercedEvents: GraphQLFieldResolver<unknown, RequestContext> = (
  _root,
  args: { events: AuditEventInput[] },
  context,
) => EventsResolver.prototype.recordAuditEvents(context, args.events);
