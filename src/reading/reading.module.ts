import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { resolveAuditEventReference } from './audit-event.reference';
import { EventQueriesResolver } from './event-queries.resolver';
import { Migration20261202000000SearchIndexes } from './migrations/Migration20261202000000_search_indexes';

/** Reading the log: the searchable list, one event, and events as federation entities. */
export const readingModule: AuditModule = {
  name: 'reading',
  resolvers: [EventQueriesResolver],
  references: { AuditEvent: resolveAuditEventReference },
  rules: { Query: { auditEvents: can(AuditPermission.READ_EVENTS), auditEvent: can(AuditPermission.READ_EVENTS) } },
  openTypes: ['AuditEventConnection', 'AuditEventEdge', 'AuditPageInfo'],
  migrations: [{ name: 'Migration20261202000000_search_indexes', class: Migration20261202000000SearchIndexes }],
};
