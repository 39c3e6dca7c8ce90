import { Migration } from '@mikro-orm/migrations';

/**
 * Reads of the log by one actor of one thing within one window, counted until the window closes;
 * then one DATA_ACCESS event is written and the row deleted, in one transaction.
 */
export class Migration20261201140000AccessWindows extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE access_windows (
        tenant_id text NOT NULL,
        actor_id text NOT NULL,
        target_key text NOT NULL,
        window_start timestamptz NOT NULL,
        target text NOT NULL,
        field text NOT NULL,
        detail jsonb,
        actor_email text,
        actor_role text,
        reads bigint NOT NULL,
        first_at timestamptz NOT NULL,
        last_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, actor_id, target_key, window_start)
      );
      CREATE INDEX access_windows_closing_idx ON access_windows (window_start);
    `);
  }
}
