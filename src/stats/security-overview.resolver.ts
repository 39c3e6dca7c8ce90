import { noteAccess } from '../events/access-note';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { BadUserInputError } from '../errors';
import { DateTimeScalar } from '../schema/scalars';
import { tenantOf, type RequestContext } from '../core/context';
import { devicesPerUser } from './device-summary';
import { loginLocations } from './login-locations';
import { failedLoginTrend } from './security-window';
import { DailyCount, LoginLocation, SecurityOverview, SessionTimeline, UserDevices } from './security.types';
import { sessionTimelines } from './session-timelines';
import { tenantTimeZone } from '../tenants/tenant-settings';
import { parseTimeZoneArgument } from '../time-zone';

const DAY_MS = 24 * 3600_000;
const MAX_DAYS = 366;

function checkLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new BadUserInputError('limit', `must be between 1 and ${max}`);
  return limit;
}

@Resolver(() => SecurityOverview)
export class SecurityOverviewResolver {
  @Query(() => SecurityOverview, { description: 'Login security of the tenant between `from` and `to`.' })
  async securityOverview(
    @Ctx() context: RequestContext,
    @Arg('timeZone', () => String, {
      nullable: true,
      description: 'The IANA time zone days are cut in; defaults to the tenant’s (`tenantSettings`).',
    })
    timeZone: string | null,
    @Arg('to', () => DateTimeScalar, { nullable: true, description: 'End of the window; defaults to now.' })
    to: Date | null,
    @Arg('from', () => DateTimeScalar, {
      nullable: true,
      description: 'Start of the window; defaults to 30 days before `to`.',
    })
    from: Date | null,
  ): Promise<SecurityOverview> {
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - 30 * DAY_MS);
    if (start > end) throw new BadUserInputError('from', 'must not be after `to`');
    if (end.getTime() - start.getTime() > MAX_DAYS * DAY_MS)
      throw new BadUserInputError('from', `must be at most ${MAX_DAYS} days before \`to\``);
    const { reads } = context.services;
    const zone = timeZone
      ? parseTimeZoneArgument('timeZone', timeZone)
      : await tenantTimeZone(reads, tenantOf(context));
    noteAccess(context, { target: 'securityOverview', field: 'securityOverview' });
    return { from: start, to: end, timeZone: zone, tenantId: tenantOf(context) };
  }

  @FieldResolver(() => [DailyCount], { description: 'LOGIN_FAILED events per local day, every day of the window.' })
  failedLogins(@Root() overview: SecurityOverview, @Ctx() context: RequestContext): Promise<DailyCount[]> {
    return failedLoginTrend(context.services.reads, overview);
  }

  @FieldResolver(() => [UserDevices], { description: 'Per user, the browser and OS families they logged in with.' })
  devices(@Root() overview: SecurityOverview, @Ctx() context: RequestContext): Promise<UserDevices[]> {
    return devicesPerUser(context.services.reads, overview);
  }

  @FieldResolver(() => [SessionTimeline], { description: 'The sessions with the latest activity, latest first.' })
  sessions(
    @Root() overview: SecurityOverview,
    @Ctx() context: RequestContext,
    @Arg('limit', () => Int, { defaultValue: 100, description: 'Most sessions returned, 1 to 1000.' }) limit: number,
  ): Promise<SessionTimeline[]> {
    return sessionTimelines(context.services.reads, overview, checkLimit(limit, 1000));
  }

  @FieldResolver(() => [LoginLocation], {
    description: 'Where logins came from (events that carry a location), with counts.',
  })
  loginLocations(
    @Root() overview: SecurityOverview,
    @Ctx() context: RequestContext,
    @Arg('limit', () => Int, { defaultValue: 500, description: 'Most places returned, 1 to 5000.' }) limit: number,
  ): Promise<LoginLocation[]> {
    return loginLocations(context.services.reads, overview, checkLimit(limit, 5000));
  }
}
