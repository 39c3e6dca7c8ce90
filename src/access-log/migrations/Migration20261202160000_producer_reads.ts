import { Migration } from '@mikro-orm/migrations';

/**
 * Producers' reads of personal records share the read windows: a window of theirs names the action
 * and the record (null for reads of the log). The ids of the reads counted are kept for a while so
 * that an event sent again is not counted twice, even after its window was written.
 */
export class Migration20261202160000ProducerReads extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE access_windows ADD COLUMN action text, ADD COLUMN entity_type text, ADD COLUMN entity_id text,
        ADD COLUMN source text, ADD COLUMN actor_type text;
      CREATE TABLE access_read_claims (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX access_read_claims_age_idx ON access_read_claims (occurred_at);
    `);
  }
}
