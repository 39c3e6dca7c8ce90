import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { toDate } from '../db/timestamps';
import { parseSearch } from '../search/parse';
import { applySearch } from '../search/search-sql';

export interface StreamLag {
  /** Matching events after the acknowledged sequence. */
  events: number;
  /** Seconds since the oldest of them was recorded; 0 when there is none. */
  seconds: number;
}

const MAX_INT = 2 ** 31 - 1;

/** The stream's lag, counted with the search SQL that selects what it delivers. */
export async function streamLag(
  knex: Knex,
  blindIndex: BlindIndex,
  stream: { tenantId: string; match: string | null; deliveredThroughSequence: string },
): Promise<StreamLag> {
  const qb = knex('audit_events as e')
    .where('e.tenant_id', stream.tenantId)
    .where('e.sequence', '>', stream.deliveredThroughSequence);
  if (stream.match) applySearch(qb, parseSearch(stream.match), { alias: 'e', blindIndex });
  const row: { events: string; oldest: string | Date | null } = await qb.first(
    knex.raw('count(*)::bigint AS events'),
    knex.raw('min(e.recorded_at) AS oldest'),
  );
  const oldest = row.oldest === null ? null : toDate(row.oldest);
  return {
    events: Math.min(Number(row.events), MAX_INT),
    seconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0,
  };
}
