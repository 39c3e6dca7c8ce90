import { Migration } from '@mikro-orm/migrations';

/**
 * Saved filters of the investigations feature. A filter is private to its owner until shared
 * with the tenant's other admins; `filter` holds an AuditEventFilter as JSON, `search` the
 * structured search text. The partial index serves "mine or shared" listings.
 */
export class Migration20261122100000Investigations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE saved_filters (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        owner_id text NOT NULL,
        name text NOT NULL,
        filter jsonb NOT NULL DEFAULT '{}',
        search text,
        shared boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX saved_filters_owner_idx ON saved_filters (tenant_id, owner_id);
      CREATE INDEX saved_filters_shared_idx ON saved_filters (tenant_id) WHERE shared;
    `);
  }
}
