import { Migration } from '@mikro-orm/migrations';

/**
 * Every key leads with `tenant_id`, so that the alert tables can be distributed by tenant and
 * co-located with the log: rules, alerts and deliveries are keyed `(tenant_id, id)`, an alert's
 * events `(tenant_id, alert_id, event_id)`, and the foreign keys carry the tenant. `alert_events`
 * gains its tenant from the alert it belongs to. The alert serial stays one sequence for all
 * tenants; only its uniqueness is per tenant, which is all the cursors need.
 */
export class Migration20261201000000TenantLeadingKeysAlerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE alerts DROP CONSTRAINT alerts_rule_id_fkey;
      ALTER TABLE alert_events DROP CONSTRAINT alert_events_alert_id_fkey;
      ALTER TABLE alert_webhook_deliveries DROP CONSTRAINT alert_webhook_deliveries_alert_id_fkey;

      ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_pkey, ADD PRIMARY KEY (tenant_id, id);

      ALTER TABLE alerts DROP CONSTRAINT alerts_pkey, ADD PRIMARY KEY (tenant_id, id);
      ALTER TABLE alerts DROP CONSTRAINT alerts_serial_key, ADD CONSTRAINT alerts_tenant_serial_key UNIQUE (tenant_id, serial);
      -- The unique index above serves newest-first pages (scanned backwards).
      DROP INDEX alerts_tenant_serial_idx;
      ALTER TABLE alerts ADD CONSTRAINT alerts_rule_fkey
        FOREIGN KEY (tenant_id, rule_id) REFERENCES alert_rules (tenant_id, id);

      ALTER TABLE alert_events ADD COLUMN tenant_id text;
      UPDATE alert_events ae SET tenant_id = a.tenant_id FROM alerts a WHERE a.id = ae.alert_id;
      ALTER TABLE alert_events ALTER COLUMN tenant_id SET NOT NULL,
        DROP CONSTRAINT alert_events_pkey, ADD PRIMARY KEY (tenant_id, alert_id, event_id),
        ADD CONSTRAINT alert_events_alert_fkey FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id);

      ALTER TABLE alert_webhook_deliveries DROP CONSTRAINT alert_webhook_deliveries_pkey, ADD PRIMARY KEY (tenant_id, id),
        ADD CONSTRAINT alert_webhook_deliveries_alert_fkey FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id);
      DROP INDEX alert_webhook_deliveries_alert_idx;
      CREATE INDEX alert_webhook_deliveries_alert_idx ON alert_webhook_deliveries (tenant_id, alert_id);
    `);
  }
}
