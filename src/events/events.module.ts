import { isService } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { EventsResolver, recordCoercedEvents } from './events.resolver';
import { Migration20261122000000AuditLog } from './migrations/Migration20261122000000_audit_log';
import { Migration20261201000000TenantLeadingKeysEvents } from './migrations/Migration20261201000000_tenant_leading_keys_events';
import { PartitionKeeper } from './partitions';
import { PARTITIONS } from './record-events';
import { Migration20261202170000PartitionStatisticsTargets } from './migrations/Migration20261202170000_partition_statistics_targets';
import { Migration20261202190000CommitActions } from './migrations/Migration20261202190000_commit_actions';

const PARTITIONS_AHEAD_EVERY_MS = 6 * 3600_000;

/** The log itself: its event types, writing events, and the monthly partitions they land in. */
export const eventsModule: AuditModule = {
  name: 'events',
  resolvers: [EventsResolver],
  coercedArgumentResolvers: { Mutation: { recordAuditEvents: recordCoercedEvents } },
  rules: { Mutation: { recordAuditEvents: isService } },
  openTypes: ['AuditEvent', 'AuditActor', 'FieldChange', 'GeoLocation', 'RecordAuditEventsPayload'],
  migrations: [
    { name: 'Migration20261122000000_audit_log', class: Migration20261122000000AuditLog },
    {
      name: 'Migration20261201000000_tenant_leading_keys_events',
      class: Migration20261201000000TenantLeadingKeysEvents,
    },
    {
      name: 'Migration20261202170000_partition_statistics_targets',
      class: Migration20261202170000PartitionStatisticsTargets,
    },
    { name: 'Migration20261202190000_commit_actions', class: Migration20261202190000CommitActions },
  ],
  async start({ db, services, logger }) {
    const partitions = new PartitionKeeper(db.knex);
    await partitions.prepareAhead();
    services.provide(PARTITIONS, partitions);
    const timer = setInterval(() => {
      partitions.prepareAhead().catch((err) => logger.error({ err }, 'could not create partitions ahead'));
    }, PARTITIONS_AHEAD_EVERY_MS).unref();
    return { stop: async () => clearInterval(timer) };
  },
};
