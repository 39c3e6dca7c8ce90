import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { resolveAuditEventReference } from './audit-event.reference';
import { EventQueriesResolver } from './event-queries.resolver';
import { Migration20261202000000SearchIndexes } from './migrations/Migration20261202000000_search_indexes';
import { Migration20261202010000SearchTokenColumn } from './migrations/Migration20261202010000_search_token_column';
import { Migration20261202170100SearchTokenStatistics } from './migrations/Migration20261202170100_search_token_statistics';

/** Reading the log: the searchable list, one event, and events as federation entities. */
export const readingModule: AuditModule = {
  name: 'reading',
  resolvers: [EventQueriesResolver],
  references: { AuditEvent: resolveAuditEventReference },
  rules: { Query: { auditEvents: can(AuditPermission.READ_EVENTS), auditEvent: can(AuditPermission.READ_EVENTS) } },
  openTypes: ['AuditEventConnection', 'AuditEventEdge', 'AuditPageInfo'],
  migrations: [
    { name: 'Migration20261202000000_search_indexes', class: Migration20261202000000SearchIndexes },
    { name: 'Migration20261202010000_search_token_column', class: Migration20261202010000SearchTokenColumn },
    { name: 'Migration20261202170100_search_token_statistics', class: Migration20261202170100SearchTokenStatistics },
  ],
};
