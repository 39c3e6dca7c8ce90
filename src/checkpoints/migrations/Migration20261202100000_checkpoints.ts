import { Migration } from '@mikro-orm/migrations';

/**
 * Signed checkpoints of each tenant's chain head. The document is kept as it was signed (its
 * canonical JSON is what the signature covers), with the columns queries need beside it.
 */
export class Migration20261202100000Checkpoints extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_checkpoints (
        tenant_id text NOT NULL,
        sequence bigint NOT NULL,
        deletion_records bigint NOT NULL,
        signed_at timestamptz NOT NULL,
        document jsonb NOT NULL,
        PRIMARY KEY (tenant_id, sequence, deletion_records)
      );
      CREATE INDEX audit_checkpoints_signed_idx ON audit_checkpoints (tenant_id, signed_at);
      CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    `);
  }
}
