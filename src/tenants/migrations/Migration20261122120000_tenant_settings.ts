import { Migration } from '@mikro-orm/migrations';

/** Per-tenant settings; a tenant without a row uses the defaults (UTC). */
export class Migration20261122120000TenantSettings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE tenant_settings (
        tenant_id text PRIMARY KEY,
        time_zone text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      );
    `);
  }
}
