import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { SEALED_VALUES } from '../core/sealed-values';
import { BadUserInputError } from '../errors';
import { AuditEventFilter, toEventFilter } from '../reading/filter.input';
import { noteAccess } from '../events/access-note';
import { redactionOf } from '../events/redaction';
import { PersonalSearchForbiddenError, checkCriteriaVisible } from '../reading/personal-criteria';
import { savedCriteriaOf } from '../reading/saved-criteria';
import { tenantOf, type RequestContext } from '../core/context';
import { queryStats } from './stats-query';
import { AuditStats, AuditStatsDimension, StatsInterval } from './stats.types';
import { tenantTimeZone } from '../tenants/tenant-settings';
import { parseTimeZoneArgument } from '../time-zone';

const MAX_GROUPS = 10_000;

/** Groups that would show IP addresses or locations. */
const PERSONAL_DIMENSIONS = [AuditStatsDimension.IP_ADDRESS, AuditStatsDimension.COUNTRY];

@Resolver(() => AuditStats)
export class StatsResolver {
  @Query(() => AuditStats, {
    description:
      'Counts of the tenant’s events matching `filter`, `search` and `savedFilterId`, grouped by `groupBy` and by time buckets of `interval`.',
  })
  async auditStats(
    @Ctx() context: RequestContext,
    @Arg('limit', () => Int, { defaultValue: 1000, description: `Most groups returned, 1 to ${MAX_GROUPS}.` })
    limit: number,
    @Arg('timeZone', () => String, {
      nullable: true,
      description: 'The IANA time zone in which buckets are cut; defaults to the tenant’s (`tenantSettings`).',
    })
    timeZone: string | null,
    @Arg('savedFilterId', () => ID, {
      nullable: true,
      description: 'A saved filter to AND with `filter` and `search`.',
    })
    savedFilterId: string | null,
    @Arg('interval', () => StatsInterval, { nullable: true, description: 'Also group by time buckets of this length.' })
    interval: StatsInterval | null,
    @Arg('groupBy', () => [AuditStatsDimension], { description: 'The dimensions to group by; none gives one total.' })
    groupBy: AuditStatsDimension[],
    @Arg('search', () => String, { nullable: true, description: 'The structured search syntax, ANDed with `filter`.' })
    search: string | null,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Which events count.' })
    filter: AuditEventFilter | null,
  ): Promise<AuditStats> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_GROUPS)
      throw new BadUserInputError('limit', `must be between 1 and ${MAX_GROUPS}`);
    const { reads } = context.services;
    const tenantId = tenantOf(context);
    const saved = await savedCriteriaOf(context, savedFilterId);
    const criteria = { filter: toEventFilter(filter), search, saved };
    const redaction = await redactionOf(context);
    checkCriteriaVisible(criteria, redaction);
    const personal = groupBy.filter((dimension) => PERSONAL_DIMENSIONS.includes(dimension));
    if (redaction && personal.length > 0)
      throw new PersonalSearchForbiddenError('groupBy', `grouping by ${personal.join(', ')}`);
    noteAccess(context, {
      target: 'auditStats',
      field: 'auditStats',
      detail: { filter, search, savedFilterId, groupBy, interval },
    });
    return queryStats(reads, context.services.get(SEALED_VALUES), tenantId, {
      ...criteria,
      groupBy,
      interval: interval ?? null,
      timeZone: timeZone ? parseTimeZoneArgument('timeZone', timeZone) : await tenantTimeZone(reads, tenantId),
      limit,
    });
  }
}
