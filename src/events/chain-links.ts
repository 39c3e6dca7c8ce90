import type { Knex } from '@mikro-orm/postgresql';
import { GENESIS_HASH } from './event-hash';

/**
 * Selects, beside the events `e` of `query`, their chain hash (`hash_hex`) and their predecessor's
 * (`previousAs`), in hex: the predecessor's row while it is live; once retention took it out, the
 * hash the event kept then or, for an event written after that (nothing followed the gap when it was
 * made), the hash the archive file that took the predecessor ends with; genesis before the first.
 * Null when none is known: the caller refuses the event.
 */
export function withChainLinks(knex: Knex, query: Knex.QueryBuilder, previousAs: string): Knex.QueryBuilder {
  return query
    .select(
      knex.raw(`encode(e.hash, 'hex') AS hash_hex`),
      knex.raw(
        `COALESCE(encode(p.hash, 'hex'), encode(e.previous_hash, 'hex'),
           (SELECT encode(f.last_hash, 'hex') FROM archive_files f
             WHERE f.tenant_id = e.tenant_id AND f.to_sequence = e.sequence - 1 LIMIT 1),
           CASE WHEN e.sequence = 1 THEN ? END) AS ??`,
        [GENESIS_HASH, previousAs],
      ),
    )
    .leftJoin('audit_events as p', function () {
      this.on('p.tenant_id', 'e.tenant_id').andOn(knex.raw('p.sequence = e.sequence - 1'));
    });
}
