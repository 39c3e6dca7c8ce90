import { Migration } from '@mikro-orm/migrations';

/** A stream delivers masked events when asked to, or when its last editor lacked READ_PERSONAL_DATA. */
export class Migration20261202140000StreamMasking extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE audit_streams ADD COLUMN mask_personal_data boolean NOT NULL DEFAULT false;`);
  }
}
