import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000AuditLog } from './Migration20261122000000_audit_log';

/** Listed explicitly so that the same list runs from `ts` sources and from the build. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122000000_audit_log', class: Migration20261122000000AuditLog },
];
