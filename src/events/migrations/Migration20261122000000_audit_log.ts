import { Migration } from '@mikro-orm/migrations';

/**
 * The append-only audit log.
 *
 * `audit_events` is range-partitioned by month of `occurred_at` so that retention drops a
 * partition instead of deleting rows. A unique index on a partitioned table must contain the
 * partition key, so producer ids are made unique (and idempotent) through `audit_event_keys`.
 * `audit_log_heads` holds each tenant's last sequence and hash; locking its row serialises a
 * tenant's writers, which is what makes `sequence` rise in commit order.
 */
export class Migration20261122000000AuditLog extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_log_heads (
        tenant_id text PRIMARY KEY,
        last_sequence bigint NOT NULL,
        last_hash bytea NOT NULL,
        last_recorded_at timestamptz NOT NULL
      );

      CREATE TABLE audit_event_keys (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        fingerprint bytea NOT NULL
      );

      CREATE TABLE audit_events (
        tenant_id text NOT NULL,
        sequence bigint NOT NULL,
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        actor_id text NOT NULL,
        actor_email text,
        actor_role text,
        actor_type text NOT NULL,
        impersonator_id text,
        action text NOT NULL,
        category text NOT NULL,
        entity_type text,
        entity_id text,
        changes jsonb NOT NULL DEFAULT '[]',
        changed_fields text[] NOT NULL DEFAULT '{}',
        source text NOT NULL,
        ip_address inet,
        user_agent text,
        session_id text,
        location jsonb,
        metadata jsonb,
        hash bytea NOT NULL,
        PRIMARY KEY (tenant_id, occurred_at, id)
      ) PARTITION BY RANGE (occurred_at);

      CREATE INDEX audit_events_entity_idx ON audit_events (tenant_id, entity_type, entity_id, occurred_at DESC, id DESC);
      CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor_id, occurred_at DESC, id DESC);
      CREATE INDEX audit_events_sequence_idx ON audit_events (tenant_id, sequence);

      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;

      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_event_keys_append_only BEFORE UPDATE OR DELETE ON audit_event_keys
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

      CREATE FUNCTION audit_ensure_partition(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
        partition_name text := 'audit_events_' || to_char(month_start, 'YYYY_MM');
      BEGIN
        IF to_regclass(partition_name) IS NULL THEN
          PERFORM pg_advisory_xact_lock(hashtext('audit_events_partitions'));
          EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
            partition_name, month_start AT TIME ZONE 'UTC', (month_start + interval '1 month') AT TIME ZONE 'UTC');
        END IF;
        RETURN partition_name;
      END $$;

      SELECT audit_ensure_partition(now() + make_interval(months => m)) FROM generate_series(-1, 3) AS m;
    `);
  }
}
