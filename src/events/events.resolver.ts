import type { GraphQLSchema } from 'graphql';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { AuditEventConnection } from '../reading/connection.type';
import { parseUuidArgument } from '../ids';
import { findEvent, listEvents } from '../reading/event-reader';
import { resolveSavedFilter } from '../saved-filters/resolve-saved-filter';
import { AuditEventFilter, toEventFilter } from '../reading/filter.input';
import { tenantOf, type RequestContext } from '../server/context';
import { AuditEventInput } from './audit-event.input';
import { AuditEvent } from './audit-event.type';
import { recordEvents } from './record-events';
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
    const result = await recordEvents(context.services, context.auth.principal!, events);
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
    const { knex } = context.services;
    const saved = savedFilterId
      ? await resolveSavedFilter(knex, tenantOf(context), context.auth.principal!.subject, savedFilterId)
      : undefined;
    return listEvents(knex, tenantOf(context), { filter: toEventFilter(filter), search, first, after, saved });
  }

  @Query(() => AuditEvent, { nullable: true, description: 'One event of the tenant, or null.' })
  auditEvent(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<AuditEvent | null> {
    return findEvent(context.services.knex, tenantOf(context), parseUuidArgument('id', id));
  }
}

/**
 * Has the schema call `recordAuditEvents` with the events as GraphQL coerced them. type-graphql
 * would first copy every input object (each event, actor, change and location) into an instance of
 * its class: about 5 ms of CPU and its garbage for a 500-event batch, a tenth of the write path,
 * for classes that carry no behaviour. Applied before the permissions, which wrap what it sets.
 */
export function passEventsAsCoerced(schema: GraphQLSchema): void {
  const field = schema.getMutationType()!.getFields().recordAuditEvents;
  field.resolve = (_root, args: { events: AuditEventInput[] }, context: RequestContext) =>
    EventsResolver.prototype.recordAuditEvents(context, args.events);
}
