import { Migration } from '@mikro-orm/migrations';

/** The entity fields each tenant marked personal (`Contact.email`, `Lead.phone`, ...). */
export class Migration20261201130000PersonalFields extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE personal_fields (
        tenant_id text NOT NULL,
        entity_type text NOT NULL,
        field text NOT NULL,
        marked_at timestamptz NOT NULL,
        marked_by text NOT NULL,
        PRIMARY KEY (tenant_id, entity_type, field)
      );
    `);
  }
}
