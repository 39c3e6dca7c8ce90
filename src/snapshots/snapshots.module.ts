import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { CRM_ENTITY_TYPES } from '../history/crm-entity-types';
import { snapshotResolvers } from './snapshot.resolver';

/** Whole past states of records, actors' emails included: field values are not masked here, so personal data is required. */
const wholeRecords = can(AuditPermission.READ_EVENTS, AuditPermission.READ_PERSONAL_DATA);

/** A record as the log saw it at an instant, and what changed between two instants. */
export const snapshotsModule: AuditModule = {
  name: 'snapshots',
  resolvers: snapshotResolvers,
  rules: Object.fromEntries(
    CRM_ENTITY_TYPES.map((type) => [type, { auditSnapshot: wholeRecords, auditDiff: wholeRecords }]),
  ),
  openTypes: ['AuditRecordSnapshot', 'AuditSnapshotField', 'AuditFieldDiff'],
};
