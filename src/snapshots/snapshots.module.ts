import { isAdmin } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { CRM_ENTITY_TYPES } from '../history/crm-entity-types';
import { snapshotResolvers } from './snapshot.resolver';

/** A record as the log saw it at an instant, and what changed between two instants. */
export const snapshotsModule: AuditModule = {
  name: 'snapshots',
  resolvers: snapshotResolvers,
  rules: Object.fromEntries(CRM_ENTITY_TYPES.map((type) => [type, { auditSnapshot: isAdmin, auditDiff: isAdmin }])),
  openTypes: ['AuditRecordSnapshot', 'AuditSnapshotField', 'AuditFieldDiff'],
};
