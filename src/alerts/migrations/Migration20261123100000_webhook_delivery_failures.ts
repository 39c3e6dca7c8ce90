import { Migration } from '@mikro-orm/migrations';

/** A delivery given up after its last allowed attempt; it leaves the due index. */
export class Migration20261123100000WebhookDeliveryFailures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE alert_webhook_deliveries ADD COLUMN failed_at timestamptz;
      DROP INDEX alert_webhook_deliveries_due_idx;
      CREATE INDEX alert_webhook_deliveries_due_idx ON alert_webhook_deliveries (next_attempt_at)
        WHERE delivered_at IS NULL AND failed_at IS NULL;
      CREATE INDEX alert_webhook_deliveries_alert_idx ON alert_webhook_deliveries (alert_id);
    `);
  }
}
