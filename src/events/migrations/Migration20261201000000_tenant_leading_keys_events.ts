import { Migration } from '@mikro-orm/migrations';

/**
 * An event id is unique within its tenant, not across tenants: the idempotency key leads with
 * `tenant_id`, like every key of the schema, so that the table can be distributed by tenant (the
 * same UUID sent for two tenants is two events). Only the key changes; no row is updated, and the
 * append-only trigger stays.
 */
export class Migration20261201000000TenantLeadingKeysEvents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE audit_event_keys DROP CONSTRAINT audit_event_keys_pkey, ADD PRIMARY KEY (tenant_id, id);
    `);
  }
}
