import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000AuditLog } from './Migration20261122000000_audit_log';
import { Migration20261122100000Investigations } from './Migration20261122100000_investigations';
import { Migration20261122110000Alerts } from './Migration20261122110000_alerts';
import { Migration20261122120000TenantSettings } from './Migration20261122120000_tenant_settings';
import { Migration20261123100000WebhookDeliveryFailures } from './Migration20261123100000_webhook_delivery_failures';

/** Listed explicitly so that the same list runs from `ts` sources and from the build. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122000000_audit_log', class: Migration20261122000000AuditLog },
  { name: 'Migration20261122100000_investigations', class: Migration20261122100000Investigations },
  { name: 'Migration20261122110000_alerts', class: Migration20261122110000Alerts },
  { name: 'Migration20261122120000_tenant_settings', class: Migration20261122120000TenantSettings },
  { name: 'Migration20261123100000_webhook_delivery_failures', class: Migration20261123100000WebhookDeliveryFailures },
];
