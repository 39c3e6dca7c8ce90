import { Migration } from '@mikro-orm/migrations';

/**
 * The register of erasures: per erased subject, the sequence of each erasure's `DataSubject` event,
 * written by `eraseSubject` in its transaction. Re-sealing stored events (seal-stored.ts) reads it, not
 * the events: a `DataSubject` event archived by retention, or one a producer sent, would otherwise
 * decide which stored values open. Append-only, and kept when the events are archived or deleted: an
 * erased subject stays erased. Filled from the erasures recorded before it (a `DataSubject` `DELETE`
 * event naming an `ERASURE` deletion record of its tenant).
 */
export class Migration20261202200000SubjectErasures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE subject_erasures (
        tenant_id text NOT NULL,
        subject_id text NOT NULL,
        sequence bigint NOT NULL,
        deletion_record_id uuid NOT NULL,
        erased_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, subject_id, sequence)
      );
      CREATE TRIGGER subject_erasures_append_only BEFORE UPDATE OR DELETE ON subject_erasures
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      INSERT INTO subject_erasures (tenant_id, subject_id, sequence, deletion_record_id, erased_at)
      SELECT e.tenant_id, e.entity_id, e.sequence, d.id, d.deleted_at
      FROM audit_events e
      JOIN deletion_records d ON d.tenant_id = e.tenant_id AND d.reason = 'ERASURE'
        AND d.id::text = e.metadata->>'deletionRecordId'
      WHERE e.entity_type = 'DataSubject' AND e.action = 'DELETE' AND e.entity_id IS NOT NULL;
    `);
  }
}
