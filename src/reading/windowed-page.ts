import type { Knex } from '@mikro-orm/postgresql';
import type { AuditEventRow } from '../events/event-row';
import { QueryTimeoutError } from '../errors';
import type { Cursor } from './cursor';
import { keysetPage } from './page';

/**
 * At most this many estimated matches: the page is one statement (the planner's choice: for so few,
 * the search index's bitmap and a sort of its matches).
 */
export const ONE_STATEMENT_MATCHES = 2_000;

/** Matches a window is sized to hold, in pages: enough that the first window usually fills the page. */
const PAGES_PER_WINDOW = 4;

/**
 * At most this many of the tenant's events (at its average rate) in the first window, whatever the
 * estimate: where the planner underestimates a term (several change parts, correlated values), its
 * choice within the window (sorting the window's matches) costs no more than reading these.
 */
const FIRST_WINDOW_EVENTS = 5_000;

/** Each window that leaves the page short is followed by one this many times longer. */
const WINDOW_GROWTH = 4;

interface Span {
  oldestUs: bigint | null;
  newestUs: bigint | null;
  /** The tenant's events as its log head counts them (retention may have taken some out). */
  events: number;
  timeoutMs: number;
}

/** `qb`'s matches as the planner estimates them from its statistics (EXPLAIN, nothing is read). */
async function estimatedMatches(knex: Knex, qb: Knex.QueryBuilder): Promise<number> {
  const { sql, bindings } = qb.toSQL();
  const result = await knex.raw(`EXPLAIN (FORMAT JSON) ${sql}`, bindings as Knex.Value[]);
  return Number(result.rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
}

/** The tenant's oldest and newest instants (microseconds), its events and this session's statement timeout. */
async function tenantSpan(knex: Knex, tenantId: string): Promise<Span> {
  const { rows } = await knex.raw(
    `SELECT (extract(epoch FROM min(occurred_at)) * 1e6)::bigint::text AS oldest,
            (extract(epoch FROM max(occurred_at)) * 1e6)::bigint::text AS newest,
            (SELECT last_sequence FROM audit_log_heads WHERE tenant_id = ?)::text AS events,
            current_setting('statement_timeout') AS timeout
     FROM audit_events WHERE tenant_id = ?`,
    [tenantId, tenantId],
  );
  const row = rows[0] as { oldest: string | null; newest: string | null; events: string | null; timeout: string };
  return {
    oldestUs: row.oldest === null ? null : BigInt(row.oldest),
    newestUs: row.newest === null ? null : BigInt(row.newest),
    events: Number(row.events ?? 0),
    timeoutMs: timeoutMsOf(row.timeout),
  };
}

/** `statement_timeout` as SHOW writes it (`0`, `250ms`, `10s`, `2min`) in milliseconds. */
function timeoutMsOf(setting: string): number {
  const match = /^(\d+)\s*(ms|s|min|h|d)?$/.exec(setting.trim());
  if (!match) return 0;
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms']!;
  return Number(match[1]) * unit;
}

/**
 * An instant in microseconds as ISO-8601 text: bound as a constant, so that the planner prunes
 * partitions and estimates the window's rows from its statistics.
 */
function isoOf(us: bigint): string {
  const text = new Date(Number(us / 1000n)).toISOString();
  return `${text.slice(0, -1)}${(us % 1000n).toString().padStart(3, '0')}Z`;
}

/**
 * A page of `query()` (one tenant's events under a search or filter), newest first after `cursor`
 * (`oneStatementMatches`: `ONE_STATEMENT_MATCHES` but in tests of the windows).
 * A search of many matches read in one statement either sorts them all (the search index's bitmap)
 * or reads the log newest first until the page is full, which for a term of 0.1–1 % of the log is
 * tens of thousands of rows; neither keeps its cost as the log grows. So, past
 * `ONE_STATEMENT_MATCHES` estimated matches, the page is read in time windows back from its start,
 * each sized from the estimate to hold about `PAGES_PER_WINDOW` pages of matches (the first at most
 * `FIRST_WINDOW_EVENTS` events), the planner choosing within each (the index's bitmap bounded by the window, or the window read newest first); a window
 * that leaves the page short is followed by a longer one. The windows go back from a fixed instant
 * and do not overlap: the same events in the same order as one statement. Their statements together
 * are held to the session's statement timeout (QUERY_TIMEOUT), like one statement.
 */
export async function readWindowedPage(
  knex: Knex,
  tenantId: string,
  query: () => Knex.QueryBuilder,
  first: number,
  cursor: Cursor | null,
  oneStatementMatches = ONE_STATEMENT_MATCHES,
): Promise<AuditEventRow[]> {
  const started = Date.now();
  const bounded = query();
  if (cursor)
    bounded.whereRaw(`(e.occurred_at, e.id) < (?::timestamptz, ?::uuid)`, [
      isoOf(BigInt(cursor.occurredUs)),
      cursor.id,
    ]);
  const estimate = await estimatedMatches(knex, bounded);
  if (estimate <= oneStatementMatches) return keysetPage(query(), 'e', first, cursor);
  const span = await tenantSpan(knex, tenantId);
  if (span.oldestUs === null || span.newestUs === null) return [];
  // The newest instant still to read, inclusive; a cursor's own instant may hold more events after it.
  let top = cursor ? BigInt(cursor.occurredUs) : span.newestUs;
  const wanted = first + 1;
  const logUs = Number(span.newestUs - span.oldestUs + 1n);
  const sized = (Number(top - span.oldestUs + 1n) * PAGES_PER_WINDOW * wanted) / estimate;
  const capped = span.events > 0 ? (logUs * FIRST_WINDOW_EVENTS) / span.events : sized;
  let length = BigInt(Math.max(1, Math.ceil(Math.min(sized, capped))));
  const rows: AuditEventRow[] = [];
  for (let window = 0; ; window++) {
    if (window > 0 && span.timeoutMs > 0 && Date.now() - started > span.timeoutMs)
      throw new QueryTimeoutError(span.timeoutMs);
    const bottom = top - length + 1n;
    const last = bottom <= span.oldestUs;
    const qb = query();
    if (!last) qb.whereRaw('e.occurred_at >= ?::timestamptz', [isoOf(bottom)]);
    if (window > 0) qb.whereRaw('e.occurred_at <= ?::timestamptz', [isoOf(top)]);
    const found: AuditEventRow[] = await keysetPage(qb, 'e', wanted - rows.length - 1, cursor);
    rows.push(...found);
    if (rows.length >= wanted || last) return rows;
    top = bottom - 1n;
    length *= BigInt(WINDOW_GROWTH);
  }
}
