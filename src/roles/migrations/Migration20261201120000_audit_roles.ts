import { Migration } from '@mikro-orm/migrations';

/** Tenant-defined roles; the built-in ones (ADMIN, AUDITOR) are not stored. */
export class Migration20261201120000AuditRoles extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_roles (
        tenant_id text NOT NULL,
        name text NOT NULL,
        permissions text[] NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        PRIMARY KEY (tenant_id, name)
      );
    `);
  }
}
