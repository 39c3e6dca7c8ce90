import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Knex } from '@mikro-orm/postgresql';
import { withConfigChange } from '../events/config-change';
import { tenantOf, type RequestContext } from '../core/context';
import { parseTimeZoneArgument } from '../time-zone';
import { storeTenantTimeZone, tenantTimeZone } from './tenant-settings';

@ObjectType('AuditTenantSettings', { description: 'Settings of the caller’s tenant.' })
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
    description:
      'Sets the tenant’s time zone (ADMIN only); recorded as a CONFIG_CHANGE event with old and new values, in the same transaction.',
  })
  async setTenantTimeZone(
    @Ctx() context: RequestContext,
    @Arg('timeZone', () => String, { description: 'An IANA time zone name, e.g. Europe/Paris.' }) timeZone: string,
  ): Promise<TenantSettings> {
    const admin = context.auth.principal!;
    const zone = parseTimeZoneArgument('timeZone', timeZone);
    return withConfigChange(context, async (em) => {
      const trx = em.getTransactionContext<Knex.Transaction>()!;
      const previous = await storeTenantTimeZone(trx, admin.tenantId, zone, admin.subject);
      return {
        result: { timeZone: zone },
        entityType: 'TenantSettings',
        entityId: admin.tenantId,
        operation: 'setTimeZone',
        before: { timeZone: previous },
        after: { timeZone: zone },
      };
    });
  }
}
