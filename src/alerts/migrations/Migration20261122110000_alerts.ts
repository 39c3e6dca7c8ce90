import { Migration } from '@mikro-orm/migrations';

/**
 * Security alerts. `alert_checkpoints` holds, per tenant, the last sequence the detectors have
 * evaluated; its row is locked for the whole evaluation so that one replica at a time evaluates a
 * tenant, and alerts are stored in the transaction that advances it (raised exactly once).
 * Deleted rules are kept (`deleted_at`) because their alerts still name them.
 */
export class Migration20261122110000Alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE alert_rules (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        key text NOT NULL,
        name text NOT NULL,
        built_in boolean NOT NULL,
        enabled boolean NOT NULL,
        severity text NOT NULL,
        match text,
        threshold integer NOT NULL,
        window_seconds integer NOT NULL,
        group_by text NOT NULL,
        webhook_url text,
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE UNIQUE INDEX alert_rules_key_idx ON alert_rules (tenant_id, key);

      CREATE TABLE alerts (
        id uuid PRIMARY KEY,
        serial bigserial UNIQUE,
        tenant_id text NOT NULL,
        rule_id uuid NOT NULL REFERENCES alert_rules (id),
        severity text NOT NULL,
        severity_rank smallint NOT NULL,
        status text NOT NULL DEFAULT 'OPEN',
        raised_at timestamptz NOT NULL DEFAULT now(),
        actor_id text,
        group_key text NOT NULL,
        summary text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        dedupe_key text NOT NULL,
        note text,
        acknowledged_at timestamptz,
        acknowledged_by text,
        resolved_at timestamptz,
        resolved_by text
      );
      CREATE UNIQUE INDEX alerts_dedupe_idx ON alerts (tenant_id, rule_id, dedupe_key);
      CREATE INDEX alerts_tenant_serial_idx ON alerts (tenant_id, serial DESC);
      CREATE INDEX alerts_rule_group_idx ON alerts (tenant_id, rule_id, group_key, window_end);

      CREATE TABLE alert_events (
        alert_id uuid NOT NULL REFERENCES alerts (id),
        event_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        sequence bigint NOT NULL,
        PRIMARY KEY (alert_id, event_id)
      );

      CREATE TABLE alert_checkpoints (
        tenant_id text PRIMARY KEY,
        last_sequence bigint NOT NULL DEFAULT 0,
        evaluated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE alert_webhook_deliveries (
        id uuid PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alerts (id),
        tenant_id text NOT NULL,
        url text NOT NULL,
        payload text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX alert_webhook_deliveries_due_idx ON alert_webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
    `);
  }
}
