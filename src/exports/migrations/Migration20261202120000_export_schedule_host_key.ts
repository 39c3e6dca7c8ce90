import { Migration } from '@mikro-orm/migrations';

/** The SFTP server's expected host key (its SHA-256 fingerprint): a delivery to another key is refused. */
export class Migration20261202120000ExportScheduleHostKey extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE audit_export_schedules ADD COLUMN sftp_host_key text`);
  }
}
