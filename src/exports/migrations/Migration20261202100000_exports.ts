import { Migration } from '@mikro-orm/migrations';

/**
 * Exports and their job queue in one table: a worker claims a PENDING export, or a RUNNING one
 * whose lease lapsed (its worker died), with `FOR UPDATE SKIP LOCKED`, and renews `lease_until`
 * while it writes. `criteria` holds the filter, search and saved filter's criteria as resolved at
 * start, and `head_sequence` the tenant's last sequence then: a run after a crash writes the same rows.
 */
export class Migration20261202100000Exports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_exports (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        format text NOT NULL,
        gzip boolean NOT NULL DEFAULT false,
        include_metadata boolean NOT NULL DEFAULT true,
        include_archived boolean NOT NULL DEFAULT false,
        criteria jsonb NOT NULL,
        head_sequence bigint NOT NULL,
        head_hash text,
        status text NOT NULL,
        rows_written bigint NOT NULL DEFAULT 0,
        rows_total bigint,
        bytes bigint,
        sha256 text,
        object_key text,
        error text,
        created_by text NOT NULL,
        created_by_email text,
        created_by_role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        expires_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_until timestamptz,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX audit_exports_listing_idx ON audit_exports (tenant_id, created_at DESC, id DESC);
      CREATE INDEX audit_exports_queue_idx ON audit_exports (created_at) WHERE status IN ('PENDING', 'RUNNING');
      CREATE INDEX audit_exports_expiry_idx ON audit_exports (expires_at) WHERE status = 'SUCCEEDED';
    `);
  }
}
