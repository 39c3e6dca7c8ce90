import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { IntegrityResolver } from './integrity.resolver';

/** Re-walks a tenant's hash chain. */
export const integrityModule: AuditModule = {
  name: 'integrity',
  resolvers: [IntegrityResolver],
  rules: { Query: { auditLogIntegrity: can(AuditPermission.READ_EVENTS) } },
  openTypes: ['IntegrityReport'],
};
