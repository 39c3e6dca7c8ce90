import { Migration } from '@mikro-orm/migrations';

/**
 * Replaces the chain anchors (a row per run of removed sequences: one per archived event where
 * categories interleave) by what costs nothing per archived event:
 *
 * - `audit_events.previous_hash`: the predecessor's hash, kept by a live event only once retention
 *   has taken its predecessor out (NULL otherwise), so that the chain is re-walked from it;
 * - `archive_files.last_hash` and `signed_index`: the file's last hash, and the signed statement
 *   of exactly which sequences it took out (its manifest; for files archived before, an entry the
 *   service signs at its next start).
 *
 * The anchors become the previous hashes of the events right after them and the last hashes of
 * the files ending at them. Setting a previous hash once joins the changes the append-only table
 * allows, and only to retention (`audit.pruning`); clearing the blind index terms on erasure
 * (Migration20261202150000_subject_keys) stays allowed.
 */
export class Migration20261202160000ChainLinks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE audit_events ADD COLUMN previous_hash bytea;
      ALTER TABLE archive_files ADD COLUMN last_hash bytea, ADD COLUMN signed_index jsonb;

      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND current_setting('audit.erasing', true) = 'on' AND NEW.personal_index IS NULL
           AND (to_jsonb(NEW) - 'personal_index') = (to_jsonb(OLD) - 'personal_index') THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND current_setting('audit.pruning', true) = 'on'
           AND OLD.previous_hash IS NULL AND NEW.previous_hash IS NOT NULL
           AND to_jsonb(NEW) - 'previous_hash' = to_jsonb(OLD) - 'previous_hash' THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      DROP TRIGGER audit_events_append_only ON audit_events;
      DROP FUNCTION audit_refuse_change_but_erasure();
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
    `);
    // One statement: the setting is local to its transaction.
    this.addSql(`
      SELECT set_config('audit.pruning', 'on', true);
      UPDATE audit_events e SET previous_hash = a.hash FROM audit_chain_anchors a
        WHERE e.tenant_id = a.tenant_id AND e.sequence = a.to_sequence + 1 AND e.previous_hash IS NULL;
      UPDATE archive_files f SET last_hash = a.hash FROM audit_chain_anchors a
        WHERE f.tenant_id = a.tenant_id AND f.to_sequence = a.to_sequence;
      SELECT set_config('audit.pruning', 'off', true);
      DROP TABLE audit_chain_anchors;
    `);
  }
}
