import { Migration } from '@mikro-orm/migrations';

/**
 * An export keeps what its requester could not see when it asked (`redaction`: entity type →
 * personal fields, null for a requester with READ_PERSONAL_DATA), so that the file is masked the
 * same however late it runs; a schedule keeps whether its creator could (`mask_personal_data`).
 * Exports and schedules made before were whole, as their requesters needed READ_PERSONAL_DATA.
 */
export class Migration20261202125000ExportMasking extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE audit_exports ADD COLUMN redaction jsonb;
      ALTER TABLE audit_export_schedules ADD COLUMN mask_personal_data boolean NOT NULL DEFAULT false;
    `);
  }
}
