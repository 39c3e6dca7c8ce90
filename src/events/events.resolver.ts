import type { GraphQLFieldResolver } from 'graphql';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context';
import { AuditEventInput } from './audit-event.input';
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
}

/** `recordAuditEvents` with the events as GraphQL coerced them (see `AuditModule.coercedArgumentResolvers`). */
export const recordCoercedEvents: GraphQLFieldResolver<unknown, RequestContext> = (
  _root,
  args: { events: AuditEventInput[] },
  context,
) => EventsResolver.prototype.recordAuditEvents(context, args.events);
