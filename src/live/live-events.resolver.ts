import { Arg, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { AuditPermission, requirePermissions } from '../auth/permissions';
import { accessOf, followAccess, redactionKey, revocationOf } from '../events/redaction';
import { noteAccess } from '../events/access-note';
import { checkCriteriaVisible } from '../reading/personal-criteria';
import { AuditError, BadUserInputError, ErrorCode } from '../errors';
import { AuditEvent } from '../events/audit-event.type';
import { AuditEventFilter, toEventFilter } from '../reading/filter.input';
import { savedCriteriaOf } from '../reading/saved-criteria';
import { feedKeyOf, type LiveContext } from './live-operation';
import type { SubscriptionEnd } from './subscription-end';

interface LiveArgs {
  filter?: AuditEventFilter | null;
  afterSequence?: string | null;
  savedFilterId?: string | null;
}

/**
 * The feed writes the events to the socket itself; graphql-ws iterates only the subscription's end.
 * @throws UNAUTHENTICATED/FORBIDDEN for a caller without READ_EVENTS, BAD_USER_INPUT for a
 * malformed `afterSequence` or filter, and an error over HTTP (the feed is served over WebSocket).
 */
async function subscribeToEvents({
  args,
  context,
  info,
}: SubscribeResolverData<unknown, LiveArgs, LiveContext>): Promise<SubscriptionEnd> {
  if (!context.live)
    throw new AuditError(ErrorCode.NotServedHere, 'auditEventRecorded is served over WebSocket (graphql-transport-ws)');
  await requirePermissions(context, [AuditPermission.READ_EVENTS]);
  const started = await accessOf(context);
  const after = args.afterSequence?.trim();
  if (after && !/^\d{1,19}$/.test(after))
    throw new BadUserInputError('afterSequence', 'must be the sequence of an event, such as "42"');
  const { hub, schema, document, operationName, variableValues, writer, subscriptionId } = context.live;
  const { tenantId } = context.auth.principal!;
  // Resolved once, at subscribe time: who may use the saved filter is checked for this admin.
  const saved = (await savedCriteriaOf(context, args.savedFilterId)) ?? null;
  const criteria = { filter: toEventFilter(args.filter), saved };
  checkCriteriaVisible(criteria, started.redaction);
  noteAccess(context, {
    target: 'auditEventRecorded',
    field: 'auditEventRecorded',
    detail: { filter: args.filter ?? null, savedFilterId: args.savedFilterId ?? null },
  });
  const member = await hub.subscribe({
    tenantId,
    feedKey: `${redactionKey(started.redaction)} ${feedKeyOf(context.live, info.fieldNodes[0])}`,
    criteria,
    redaction: started.redaction,
    schema,
    document,
    operationName,
    variableValues,
    contextValue: context,
    afterSequence: after ? BigInt(after) : undefined,
    expiresAtMs: context.auth.principal!.expiresAt * 1000,
    outlet: { writer, subscriptionId },
  });
  const stopFollowing = followAccess(context, (now) => {
    const revoked = revocationOf(started, now, [AuditPermission.READ_EVENTS]);
    if (revoked)
      member.fail(
        new GraphQLError(revoked.message, {
          extensions: { ...revoked.extensions, resumeAfterSequence: member.resumeAfter },
        }),
        'permissions_changed',
      );
  });
  member.onEnded(stopFollowing);
  return member.stream;
}

@Resolver()
export class LiveEventsResolver {
  @Subscription(() => AuditEvent, {
    subscribe: subscribeToEvents,
    description:
      'The tenant’s events matching `filter`, in commit order, as they are recorded (READ_EVENTS; a role change taking it away ends the subscription with FORBIDDEN). With `afterSequence` ' +
      '(the last sequence a client saw), the matching events recorded since are sent first, with no gap and no duplicate.',
  })
  auditEventRecorded(
    @Root() event: AuditEvent,
    @Arg('savedFilterId', () => ID, {
      nullable: true,
      description: 'A saved filter (yours, or shared in your tenant) ANDed with `filter`.',
    })
    _savedFilterId?: string | null,
    @Arg('afterSequence', () => String, { nullable: true }) _afterSequence?: string | null,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) _filter?: AuditEventFilter | null,
  ): AuditEvent {
    return event;
  }
}
