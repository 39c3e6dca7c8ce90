import { Migration } from '@mikro-orm/migrations';

/**
 * Each committed batch's sequences and actions per tenant, written with the batch: the alert
 * evaluator learns which actions a step of the log holds from these few rows instead of reading
 * every event of the step (rows just committed cost PostgreSQL the most to read). The evaluator
 * deletes the rows its checkpoint has passed.
 */
export class Migration20261202190000CommitActions extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
      CREATE TABLE audit_commit_actions (
        tenant_id text NOT NULL,
        from_sequence bigint NOT NULL,
        to_sequence bigint NOT NULL,
        actions text[] NOT NULL,
        PRIMARY KEY (tenant_id, to_sequence)
      )`);
  }
}
