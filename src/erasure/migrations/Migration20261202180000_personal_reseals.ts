import { Migration } from '@mikro-orm/migrations';

/**
 * Sealing the personal values of events stored before the master key was set
 * (`npm run personal-data:seal-stored`, src/erasure/seal-stored.ts). Their chain hashes are not
 * rewritten: `personal_reseals` keeps, per re-sealed event, the digest of its content as hashed
 * (plaintext) and of its content as now stored (sealed), and `personal_reseal_checkpoints` a signed
 * document per chunk of re-sealed events (numbered per tenant) over a digest of its rows. Both are
 * append-only.
 *
 * The append-only trigger of `audit_events` allows, besides retention's setting of a predecessor hash
 * and an erasure's clearing of blind index terms, this one update: the personal columns, blind index
 * terms and search tokens of an event that already has its `personal_reseals` row, in a transaction
 * that says it seals (`audit.sealing`). One function lists what each declared change may touch and
 * compares everything else.
 */
export class Migration20261202180000PersonalReseals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE personal_reseals (
        tenant_id text NOT NULL,
        sequence bigint NOT NULL,
        original_digest text NOT NULL,
        sealed_digest text NOT NULL,
        -- The position of the checkpoint that signs it: a later run may seal events between earlier ones.
        checkpoint bigint NOT NULL,
        PRIMARY KEY (tenant_id, sequence)
      );
      CREATE INDEX personal_reseals_checkpoint_idx ON personal_reseals (tenant_id, checkpoint);
      CREATE TABLE personal_reseal_checkpoints (
        tenant_id text NOT NULL,
        position bigint NOT NULL,
        document jsonb NOT NULL,
        PRIMARY KEY (tenant_id, position)
      );
      CREATE TRIGGER personal_reseals_append_only BEFORE UPDATE OR DELETE ON personal_reseals
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER personal_reseal_checkpoints_append_only BEFORE UPDATE OR DELETE ON personal_reseal_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

      CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        -- The columns the change the transaction declares may set; every other column must stay as it was.
        allowed text[];
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          allowed := CASE
            WHEN current_setting('audit.erasing', true) = 'on' AND NEW.personal_index IS NULL
              THEN ARRAY['personal_index']
            WHEN current_setting('audit.pruning', true) = 'on'
                 AND OLD.previous_hash IS NULL AND NEW.previous_hash IS NOT NULL
              THEN ARRAY['previous_hash']
            WHEN current_setting('audit.sealing', true) = 'on'
                 AND EXISTS (SELECT 1 FROM personal_reseals r WHERE r.tenant_id = NEW.tenant_id AND r.sequence = NEW.sequence)
              THEN ARRAY['actor_email', 'ip_address', 'ip_sealed', 'user_agent', 'location', 'changes',
                         'personal_index', 'search_tokens']
          END;
          IF allowed IS NOT NULL AND (to_jsonb(NEW) - allowed) = (to_jsonb(OLD) - allowed) THEN
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$;
    `);
  }
}
