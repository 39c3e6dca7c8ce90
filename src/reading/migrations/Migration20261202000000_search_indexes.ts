import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes that let a selective search term find its events without reading the tenant's log
 * newest-first. The planner chooses between them (a bitmap of the matches, then the newest
 * `first + 1`) and the primary key's newest-first scan (which stops after a page for a common term),
 * from the statistics ANALYZE keeps of the indexed expression.
 *
 * `audit_search_tokens` lists a token per value a keyed term compares with: `u:` actor id, `m:`
 * email and email local part (lowered), `r:` role, `e:` entity type (lowered), `a:` action,
 * `c:` category, `s:` source, `i:` entity id, `n:` session, `f:` changed field, `o:`/`v:` old/new
 * value (lowered, JSON null as `null`), each cut to 200 characters so that none outgrows a GIN
 * entry. src/search/term-tokens.ts writes each term as a token check, alone where it is the same
 * condition and next to the term's own condition where it is only implied by it. Its COST tells the
 * planner that computing the tokens row by row (a newest-first scan filtering on them) is dear, so
 * that a term of a few thousand events goes through the index; PARALLEL RESTRICTED keeps such
 * reads in one process (with that cost, parallel plans looked cheaper, and starting workers cost
 * more than the whole read).
 *
 * Bare words are substrings of the event's text: `audit_search_text_matches` keeps the match as it
 * was; being a function the planner cannot see into, it is estimated to match often, so the
 * newest-first scan reads until a page is full instead of sorting a whole log (see the README).
 * IPs get a btree (exact addresses and CIDR ranges).
 *
 * The tokens are now a stored column and the function is gone: Migration20261202010000_search_token_column.
 */
export class Migration20261202000000SearchIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE FUNCTION audit_search_tokens(actor_id text, actor_email text, actor_role text, action text,
          category text, source text, entity_type text, entity_id text, session_id text,
          changed_fields text[], changes jsonb)
        RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL RESTRICTED COST 5000 AS $$
        DECLARE
          tokens text[] := array_remove(ARRAY[
            'u:' || left(actor_id, 200),
            'm:' || left(lower(actor_email), 200),
            'm:' || left(lower(split_part(actor_email, '@', 1)), 200),
            'r:' || left(lower(actor_role), 200),
            'a:' || action,
            'c:' || category,
            's:' || source,
            'e:' || left(lower(entity_type), 200),
            'i:' || left(entity_id, 200),
            'n:' || left(session_id, 200)], NULL);
          field text;
          change jsonb;
        BEGIN
          FOREACH field IN ARRAY changed_fields LOOP
            IF field IS NOT NULL THEN tokens := tokens || ('f:' || left(field, 200)); END IF;
          END LOOP;
          FOR change IN SELECT jsonb_array_elements(changes) LOOP
            tokens := tokens
              || ('o:' || left(lower(coalesce(change->>'oldValue', 'null')), 200))
              || ('v:' || left(lower(coalesce(change->>'newValue', 'null')), 200));
          END LOOP;
          RETURN tokens;
        END $$;

      CREATE FUNCTION audit_search_text_matches(actor_id text, actor_email text, actor_role text, action text,
          entity_type text, entity_id text, changes jsonb, metadata jsonb, user_agent text, session_id text,
          ip_address inet, pattern text)
        RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 100 AS $$
        SELECT concat_ws(' ', actor_id, actor_email, actor_role, action, entity_type, entity_id, changes::text,
          metadata::text, user_agent, session_id, host(ip_address)) ILIKE pattern
      $$;

      CREATE INDEX audit_events_search_tokens_idx ON audit_events USING gin (
        audit_search_tokens(actor_id, actor_email, actor_role, action, category, source, entity_type, entity_id,
          session_id, changed_fields, changes));
      CREATE INDEX audit_events_ip_idx ON audit_events (tenant_id, ip_address) WHERE ip_address IS NOT NULL;
    `);
  }
}
