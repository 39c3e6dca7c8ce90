import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { Migration20261122120000TenantSettings } from './migrations/Migration20261122120000_tenant_settings';
import { TenantSettingsResolver } from './tenant-settings.resolver';

/** Settings of a tenant (its time zone). */
export const tenantsModule: AuditModule = {
  name: 'tenants',
  resolvers: [TenantSettingsResolver],
  rules: {
    Query: { tenantSettings: can(AuditPermission.READ_EVENTS) },
    // A tenant-wide setting of the audit service: with who-may-see-what, the tenant administrator's.
    Mutation: { setTenantTimeZone: can(AuditPermission.MANAGE_ROLES) },
  },
  openTypes: ['AuditTenantSettings'],
  migrations: [{ name: 'Migration20261122120000_tenant_settings', class: Migration20261122120000TenantSettings }],
};
