import { isService } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { EventsResolver, recordCoercedEvents } from './events.resolver';
import { Migration20261122000000AuditLog } from './migrations/Migration20261122000000_audit_log';
import { Migration20261201000000TenantLeadingKeysEvents } from './migrations/Migration20261201000000_tenant_leading_keys_events';
import { forgetStaleCommitRecords } from './commit-records';
import { PartitionKeeper } from './partitions';
import { PARTITIONS } from './record-events';
import { Migration20261202170000PartitionStatisticsTargets } from './migrations/Migration20261202170000_partition_statistics_targets';
import { Migration20261202190000CommitActions } from './migrations/Migration20261202190000_commit_actions';

const MAINTENANCE_EVERY_MS = 6 * 3600_000;
/** Sequences behind its tenant's head past which a batch's commit record goes, evaluated or not. */
const COMMIT_RECORDS_KEPT_BEHIND_HEAD = 1_000_000;

/**
 * The log itself: its event types, writing events, the monthly partitions they land in, and the bound on
 * the commit records the alert evaluator may not take.
 */
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
    const forgetStale = () =>
      forgetStaleCommitRecords(db.knex, COMMIT_RECORDS_KEPT_BEHIND_HEAD).catch((err) =>
        logger.error({ err }, 'could not delete stale commit records'),
      );
    // Not awaited: a replica serves meanwhile. At start too, or replicas that never live 6 hours would never run it.
    let forgetting = forgetStale();
    const timer = setInterval(() => {
      partitions.prepareAhead().catch((err) => logger.error({ err }, 'could not create partitions ahead'));
      forgetting = forgetStale();
    }, MAINTENANCE_EVERY_MS).unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await forgetting;
      },
    };
  },
};
