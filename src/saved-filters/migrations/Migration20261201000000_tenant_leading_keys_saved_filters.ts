import { Migration } from '@mikro-orm/migrations';

/** Keyed `(tenant_id, id)` like every table, so that saved filters can be distributed by tenant. */
export class Migration20261201000000TenantLeadingKeysSavedFilters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE saved_filters DROP CONSTRAINT saved_filters_pkey, ADD PRIMARY KEY (tenant_id, id);
    `);
  }
}
