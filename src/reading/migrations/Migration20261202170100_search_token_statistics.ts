import { Migration } from '@mikro-orm/migrations';

/**
 * The planner picks between reading a tenant's log newest first (and stopping after a page of
 * matches) and the GIN index on `search_tokens` from its estimate of how many events carry a token.
 * At the default target its list of most common tokens stops around a thousand entries, so every
 * token outside it, rare or absent, is estimated from that list's smallest frequency: high enough at
 * millions of events that a rare or absent term is read newest first through the whole log. A finer
 * list estimates them as rare, and they go to the index (bench/README.md, _Search_).
 */
export class Migration20261202170100SearchTokenStatistics extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
      ALTER TABLE audit_events ALTER COLUMN search_tokens SET STATISTICS 1000;
      ANALYZE audit_events (search_tokens)`);
  }
}
