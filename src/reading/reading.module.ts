import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { resolveAuditEventReference } from './audit-event.reference';
import { EventQueriesResolver } from './event-queries.resolver';

/** Reading the log: the searchable list, one event, and events as federation entities. */
export const readingModule: AuditModule = {
  name: 'reading',
  resolvers: [EventQueriesResolver],
  references: { AuditEvent: resolveAuditEventReference },
  rules: { Query: { auditEvents: can(AuditPermission.READ_EVENTS), auditEvent: can(AuditPermission.READ_EVENTS) } },
  openTypes: ['AuditEventConnection', 'AuditEventEdge', 'AuditPageInfo'],
};
