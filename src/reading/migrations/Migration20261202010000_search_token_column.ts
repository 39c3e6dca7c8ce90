import { Migration } from '@mikro-orm/migrations';
import { searchTokensOf } from '../../search/search-tokens';

/** Events tokenised per statement of the backfill: one UPDATE of a few MB. */
const BACKFILL_BATCH = 5_000;

interface BackfillRow {
  tenant_id: string;
  occurred_at: string;
  id: string;
  actor_id: string;
  actor_email: string | null;
  actor_role: string | null;
  action: string;
  category: string;
  source: string;
  entity_type: string | null;
  entity_id: string | null;
  session_id: string | null;
  changes: Array<{ field: string; oldValue?: unknown; newValue?: unknown }>;
}

/**
 * The search tokens become a stored column, written by the service with each event
 * (`searchTokensOf`, src/search/search-tokens.ts), instead of an index expression that ran a PL/pgSQL
 * function for every inserted row (and for every row a newest-first read filtered): ingest with the
 * search index kept 0.70 of its rate, the rest going to that function. The one tokeniser now serves
 * the write path, this backfill and the query side (`tokenCheck`).
 *
 * Existing events are tokenised here in batches along the primary key, the append-only trigger
 * suspended for this transaction's own UPDATEs (the column is derived from the event's columns, which
 * the hash covers; the tokens are not). The GIN index is built once the column is full: cheaper than
 * maintaining it row by row. `audit_search_text_matches` (bare words) stays.
 */
export class Migration20261202010000SearchTokenColumn extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
      DROP INDEX audit_events_search_tokens_idx;
      DROP FUNCTION audit_search_tokens(text, text, text, text, text, text, text, text, text, text[], jsonb);
      ALTER TABLE audit_events ADD COLUMN search_tokens text[];
      ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    let after: [string, string, string] | null = null;
    for (;;) {
      const rows = (await this.execute(
        `SELECT tenant_id, occurred_at::text AS occurred_at, id, actor_id, actor_email, actor_role, action, category,
                source, entity_type, entity_id, session_id, changes
         FROM audit_events
         ${after ? 'WHERE (tenant_id, occurred_at, id) > (?, ?::timestamptz, ?::uuid)' : ''}
         ORDER BY tenant_id, occurred_at, id LIMIT ${BACKFILL_BATCH}`,
        after ?? [],
      )) as unknown as BackfillRow[];
      if (rows.length === 0) break;
      const tokens = rows.map((row) => ({
        tenant_id: row.tenant_id,
        occurred_at: row.occurred_at,
        id: row.id,
        tokens: searchTokensOf({
          actorId: row.actor_id,
          actorEmail: row.actor_email,
          actorRole: row.actor_role,
          action: row.action,
          category: row.category,
          source: row.source,
          entityType: row.entity_type,
          entityId: row.entity_id,
          sessionId: row.session_id,
          changes: row.changes,
        }),
      }));
      await this.execute(
        `UPDATE audit_events e SET search_tokens = b.tokens
         FROM jsonb_to_recordset(?::jsonb) AS b(tenant_id text, occurred_at timestamptz, id uuid, tokens text[])
         WHERE (e.tenant_id, e.occurred_at, e.id) = (b.tenant_id, b.occurred_at, b.id)`,
        [JSON.stringify(tokens)],
      );
      const last = rows[rows.length - 1];
      after = [last.tenant_id, last.occurred_at, last.id];
    }
    await this.execute(`
      ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only;
      CREATE INDEX audit_events_search_tokens_idx ON audit_events USING gin (search_tokens)`);
  }
}
