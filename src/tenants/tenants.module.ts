import { isAdmin } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { Migration20261122120000TenantSettings } from './migrations/Migration20261122120000_tenant_settings';
import { TenantSettingsResolver } from './tenant-settings.resolver';

/** Settings of a tenant (its time zone). */
export const tenantsModule: AuditModule = {
  name: 'tenants',
  resolvers: [TenantSettingsResolver],
  rules: { Query: { tenantSettings: isAdmin }, Mutation: { setTenantTimeZone: isAdmin } },
  openTypes: ['AuditTenantSettings'],
  migrations: [{ name: 'Migration20261122120000_tenant_settings', class: Migration20261122120000TenantSettings }],
};
