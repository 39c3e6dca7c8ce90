import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { tenantOf, type RequestContext } from '../core/context';
import { SEALED_VALUES } from '../core/sealed-values';
import { AuditEvent } from '../events/audit-event.type';
import { parseUuidArgument } from '../ids';
import { noteAccess } from '../events/access-note';
import { redactEvent, redactionOf } from '../events/redaction';
import { ARCHIVE_SEARCH } from './archive-search';
import { AuditEventConnection } from './connection.type';
import { findEvent, listEvents } from './event-reader';
import { AuditEventFilter, toEventFilter } from './filter.input';
import { redactConnection } from './page';
import { checkCriteriaVisible } from './personal-criteria';
import { savedCriteriaOf } from './saved-criteria';

@Resolver()
export class EventQueriesResolver {
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
    @Arg('includeArchived', () => Boolean, {
      defaultValue: false,
      description: 'Also searches the archive (slower), merged in the same order with the same cursors.',
    })
    includeArchived = false,
  ): Promise<AuditEventConnection> {
    const { reads } = context.services;
    const saved = await savedCriteriaOf(context, savedFilterId);
    const archive = includeArchived ? context.services.get(ARCHIVE_SEARCH) : undefined;
    const criteria = { filter: toEventFilter(filter), search, saved };
    const redaction = await redactionOf(context);
    checkCriteriaVisible(criteria, redaction);
    noteAccess(context, {
      target: 'auditEvents',
      field: 'auditEvents',
      detail: { filter, search, savedFilterId, includeArchived },
    });
    return redactConnection(
      await listEvents(reads, context.services.get(SEALED_VALUES), tenantOf(context), {
        ...criteria,
        first,
        after,
        archive,
      }),
      redaction,
    );
  }

  @Query(() => AuditEvent, { nullable: true, description: 'One event of the tenant, or null.' })
  async auditEvent(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<AuditEvent | null> {
    const event = await findEvent(
      context.services.reads,
      context.services.get(SEALED_VALUES),
      tenantOf(context),
      parseUuidArgument('id', id),
    );
    noteAccess(context, { target: `AuditEvent/${id}`, field: 'auditEvent' });
    return event && redactEvent(event, await redactionOf(context));
  }
}
