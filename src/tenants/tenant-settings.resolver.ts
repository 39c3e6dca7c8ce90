import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { recordAdminEvent } from '../saved-filters/admin-event';
import { tenantOf, type RequestContext } from '../server/context';
import { checkTimeZone } from '../stats/time-zone';
import { storeTenantTimeZone, tenantTimeZone } from './tenant-settings';

@ObjectType({ description: 'Settings of the caller’s tenant.' })
export class TenantSettings {
  @Field(() => String, {
    description: 'The IANA time zone in which statistics and security overviews cut days and weeks (default UTC).',
  })
  timeZone!: string;
}

@Resolver()
export class TenantSettingsResolver {
  @Query(() => TenantSettings, { description: 'The settings of the caller’s tenant (ADMIN only).' })
  async tenantSettings(@Ctx() context: RequestContext): Promise<TenantSettings> {
    return { timeZone: await tenantTimeZone(context.services.knex, tenantOf(context)) };
  }

  @Mutation(() => TenantSettings, {
    description: 'Sets the tenant’s time zone (ADMIN only); recorded as a CONFIG_CHANGE event with old and new values.',
  })
  async setTenantTimeZone(
    @Ctx() context: RequestContext,
    @Arg('timeZone', () => String, { description: 'An IANA time zone name, e.g. Europe/Paris.' }) timeZone: string,
  ): Promise<TenantSettings> {
    const { knex } = context.services;
    const admin = context.auth.principal!;
    const zone = await checkTimeZone(knex, timeZone);
    const previous = await storeTenantTimeZone(knex, admin.tenantId, zone, admin.subject);
    if (previous !== zone)
      await recordAdminEvent(context.services, admin, {
        action: 'CONFIG_CHANGE',
        entityType: 'TenantSettings',
        entityId: admin.tenantId,
        changes: [{ field: 'timeZone', oldValue: previous, newValue: zone }],
        metadata: {},
      });
    return { timeZone: zone };
  }
}
