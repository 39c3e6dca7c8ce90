import { Migration } from '@mikro-orm/migrations';

/**
 * Data subjects' keys (wrapped by the master key) and, on the events, what sealing needs: a sealed IP
 * address is text, which the inet column cannot hold, and the blind index terms of sealed values.
 * The new columns have no default: adding them rewrites no partition. The append-only trigger lets an
 * erasure clear the blind index terms of the subject's events, and nothing else.
 */
export class Migration20261202150000SubjectKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE subject_keys (
        tenant_id text NOT NULL,
        subject_id text NOT NULL,
        key_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, subject_id),
        UNIQUE (tenant_id, key_id)
      );
      -- A sealed value names its key alone (a random id): read paths find it without the tenant.
      CREATE INDEX subject_keys_key_id_idx ON subject_keys (key_id);
      ALTER TABLE audit_events ADD COLUMN ip_sealed text, ADD COLUMN personal_index text[];
      CREATE INDEX audit_events_personal_index_idx ON audit_events USING gin (personal_index);

      -- Still append-only, but for the one change an erasure makes: clearing the blind index terms,
      -- which no hash covers, in a transaction that says it erases.
      CREATE FUNCTION audit_refuse_change_but_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND current_setting('audit.erasing', true) = 'on' AND NEW.personal_index IS NULL
           AND (to_jsonb(NEW) - 'personal_index') = (to_jsonb(OLD) - 'personal_index') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      DROP TRIGGER audit_events_append_only ON audit_events;
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change_but_erasure();
    `);
  }
}
