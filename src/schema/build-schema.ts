import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { buildSchema, createResolversMap } from 'type-graphql';
import { applyPermissions } from '../auth/permissions';
import { resolveAuditEventReference } from '../events/audit-event.reference';
import { EventsResolver, passEventsAsCoerced } from '../events/events.resolver';
import { crmEntityClasses } from '../history/crm-entities';
import { historyResolvers } from '../history/history.resolver';
import { IntegrityResolver } from '../integrity/integrity.resolver';
import { TenantSettingsResolver } from '../tenants/tenant-settings.resolver';
import { LiveEventsResolver } from '../live/live-events.resolver';
import { RevertResolver } from '../revert/revert.resolver';
import { SavedFilterMutationsResolver } from '../saved-filters/saved-filter-mutations.resolver';
import { SavedFilterQueriesResolver } from '../saved-filters/saved-filter-queries.resolver';
import { snapshotResolvers } from '../snapshots/snapshot.resolver';
import { SecurityOverviewResolver } from '../stats/security-overview.resolver';
import { StatsResolver } from '../stats/stats.resolver';
import { noPubSub } from '../live/no-pubsub';
import { alertResolvers } from '../alerts/alert-resolvers';
import { resolveAuditAlertReference } from '../alerts/storage/alert.reference';
import { guardArguments } from './guard-arguments';

/** Federation 2.7: 2.4+ is what the Router needs to pass subscriptions through. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;

/**
 * Builds the subgraph: type-graphql classes, guarded by graphql-shield, as a Federation 2 schema.
 * The rules are applied before `buildSubgraphSchema` because graphql-middleware drops the
 * reference resolvers of a schema that already has them; the reference resolvers guard
 * themselves, and federation's `_service` and `_entities` stay open to the gateway.
 */
export async function buildAuditSchema(): Promise<GraphQLSchema> {
  const classSchema = await buildClassSchema();
  passEventsAsCoerced(classSchema);
  const resolvers = createResolversMap(applyPermissions(classSchema)) as GraphQLResolverMap<unknown>;
  resolvers.AuditEvent = { ...(resolvers.AuditEvent as object), __resolveReference: resolveAuditEventReference };
  resolvers.AuditAlert = { ...(resolvers.AuditAlert as object), __resolveReference: resolveAuditAlertReference };
  const schema = buildSubgraphSchema({
    typeDefs: gql`
      ${FEDERATION_LINK}
      ${printSchemaWithDirectives(classSchema)}
    `,
    resolvers,
  });
  guardArguments(schema, { uuidKeyedEntities: ['AuditEvent', 'AuditAlert'] });
  return schema;
}

/** The resolvers and types as type-graphql builds them, before rules and federation. */
export function buildClassSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      EventsResolver,
      IntegrityResolver,
      LiveEventsResolver,
      ...historyResolvers,
      ...snapshotResolvers,
      RevertResolver,
      StatsResolver,
      SecurityOverviewResolver,
      SavedFilterQueriesResolver,
      SavedFilterMutationsResolver,
      ...alertResolvers,
      TenantSettingsResolver,
    ],
    orphanedTypes: Object.values(crmEntityClasses),
    validate: false,
    pubSub: noPubSub,
  });
}
