import { Migration } from '@mikro-orm/migrations';

/**
 * Alerts keep a second summary for readers without READ_PERSONAL_DATA (actors by id, no address,
 * place or email); alerts raised before have none, and such readers are shown that it is withheld.
 * A rule keeps whether its last editor could read personal data: its webhook gets what they could.
 */
export class Migration20261202130000AlertMasking extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE alerts ADD COLUMN masked_summary text;
      ALTER TABLE alert_rules ADD COLUMN mask_personal_data boolean NOT NULL DEFAULT false;
    `);
  }
}
