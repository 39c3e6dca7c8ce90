import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled exports: each due schedule queues an export of the period that just ended (a day, a
 * week from Monday, a month, in UTC) and, once it succeeded, delivers it to its destination.
 */
export class Migration20261202110000ExportSchedules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_export_schedules (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        frequency text NOT NULL,
        format text NOT NULL,
        gzip boolean NOT NULL DEFAULT false,
        include_metadata boolean NOT NULL DEFAULT true,
        filter jsonb NOT NULL DEFAULT '{}',
        search text,
        destination text NOT NULL,
        sftp_url text,
        email_to text[] NOT NULL DEFAULT '{}',
        link_base text,
        next_run_at timestamptz NOT NULL,
        last_export_id uuid,
        last_delivery_error text,
        delivered_at timestamptz,
        created_by text NOT NULL,
        created_by_email text,
        created_by_role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX audit_export_schedules_due_idx ON audit_export_schedules (next_run_at);
      ALTER TABLE audit_exports ADD COLUMN schedule_id uuid;
    `);
  }
}
