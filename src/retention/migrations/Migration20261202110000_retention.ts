import { Migration } from '@mikro-orm/migrations';

/**
 * Retention: policies and legal holds (configuration), the archive's index, the chain anchors that
 * let the chain be re-walked across removed events, and the deletion log.
 *
 * The deletion log is append-only and chained (each record's hash covers the previous one's), and
 * checkpoints sign its head, so that a removed or edited record is detected. Idempotency keys may be
 * deleted only by retention, which says so for its transaction (`audit.pruning`).
 */
export class Migration20261202110000Retention extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE retention_policies (
        tenant_id text NOT NULL,
        category text NOT NULL,
        retain_days integer,
        archive_grace_days integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        PRIMARY KEY (tenant_id, category)
      );

      CREATE TABLE legal_holds (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        reason text NOT NULL,
        match text,
        placed_at timestamptz NOT NULL DEFAULT now(),
        placed_by text NOT NULL,
        released_at timestamptz,
        released_by text,
        PRIMARY KEY (tenant_id, id)
      );

      CREATE TABLE archive_files (
        tenant_id text NOT NULL,
        key text NOT NULL,
        category text NOT NULL,
        month date NOT NULL,
        from_sequence bigint NOT NULL,
        to_sequence bigint NOT NULL,
        occurred_from timestamptz NOT NULL,
        occurred_to timestamptz NOT NULL,
        row_count integer NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        digest text NOT NULL,
        sequences bigint[] NOT NULL,
        archived_at timestamptz NOT NULL,
        removed_from_live_at timestamptz,
        deleted_at timestamptz,
        purged_at timestamptz,
        PRIMARY KEY (tenant_id, key)
      );
      CREATE INDEX archive_files_month_idx ON archive_files (month) WHERE removed_from_live_at IS NULL;

      CREATE TABLE audit_chain_anchors (
        tenant_id text NOT NULL,
        from_sequence bigint NOT NULL,
        to_sequence bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (tenant_id, to_sequence)
      );

      CREATE TABLE deletion_records (
        tenant_id text NOT NULL,
        position bigint NOT NULL,
        id uuid NOT NULL,
        reason text NOT NULL,
        category text,
        event_count integer NOT NULL,
        from_sequence bigint NOT NULL,
        to_sequence bigint NOT NULL,
        occurred_from timestamptz NOT NULL,
        occurred_to timestamptz NOT NULL,
        digest text NOT NULL,
        archived_at timestamptz,
        deleted_at timestamptz NOT NULL,
        previous_hash text NOT NULL,
        record_hash text NOT NULL,
        PRIMARY KEY (tenant_id, position),
        UNIQUE (tenant_id, id)
      );
      CREATE TRIGGER deletion_records_append_only BEFORE UPDATE OR DELETE ON deletion_records
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER deletion_records_no_truncate BEFORE TRUNCATE ON deletion_records
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

      CREATE FUNCTION audit_refuse_unless_pruning() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('audit.pruning', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      DROP TRIGGER audit_event_keys_append_only ON audit_event_keys;
      CREATE TRIGGER audit_event_keys_append_only BEFORE UPDATE OR DELETE ON audit_event_keys
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_unless_pruning();
    `);
  }
}
