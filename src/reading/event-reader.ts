import type { Knex } from '@mikro-orm/postgresql';
import type { AuditEvent } from '../events/audit-event.type';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../events/event-row';
import type { AuditEventConnection } from './connection.type';
import { applyCriteria, type EventCriteria } from './apply-criteria';
import { newestFirst, type ArchiveSearch } from './archive-search';
import { checkPageArgs, keysetPage, toConnection, type PageArgs } from './page';
import { parseSearchArgument } from '../search/parse';

export interface ListEventsArgs extends PageArgs, EventCriteria {
  /** Set: the archive is searched too, and its events merged in the same order. */
  archive?: ArchiveSearch;
}

const DAY_MS = 86_400_000;

/**
 * How far back from the page's start (now, or the cursor) each read of an indexed search goes, newest
 * window first; the last read is the rest of the log. A term of a few thousand events in a log of
 * millions sorts only the matches of the newest window that fills the page, instead of every match
 * (the index gives matches unordered); a common term fills the page in the first window; an absent one
 * costs an index lookup per window.
 */
const SEARCH_WINDOW_DAYS = [7, 35, 140];

/** The filter lists, ip and fields go through the search indexes (see `applyEventFilter`). */
const INDEXED_FILTER_KEYS = ['actions', 'categories', 'entityIds', 'sources', 'ip', 'field', 'fields'] as const;

/**
 * The criteria hold a term an index answers (a keyed term or a filter list): only then is a page read
 * window by window. Bare words and negations are not indexed: each window would scan its part of the
 * log, and a search that must read it all would spend the read timeout once per window.
 */
function hasIndexedTerm(criteria: EventCriteria): boolean {
  const filters = [criteria.filter, criteria.saved?.filter];
  const searches: Array<[string | null | undefined, string]> = [
    [criteria.search, 'search'],
    [criteria.saved?.search, 'savedFilterId'],
  ];
  return (
    filters.some((filter) => INDEXED_FILTER_KEYS.some((key) => filter?.[key] != null)) ||
    searches.some(
      ([search, argument]) =>
        search &&
        parseSearchArgument(search, argument).terms.some(
          (term) => !term.negated && (term.kind === 'value' || term.kind === 'ip'),
        ),
    )
  );
}

/** [from, to) of each read, newest first: unbounded above for the first, below for the last. */
function searchWindows(start: number): Array<{ from: Date | null; to: Date | null }> {
  const bounds = SEARCH_WINDOW_DAYS.map((days) => new Date(start - days * DAY_MS));
  return [...bounds, null].map((from, index) => ({ from, to: index === 0 ? null : bounds[index - 1] }));
}

/** One tenant's events, newest first, narrowed by a filter and a search text. */
export async function listEvents(knex: Knex, tenantId: string, args: ListEventsArgs): Promise<AuditEventConnection> {
  const { first, cursor } = checkPageArgs(args);
  const read = (window: { from: Date | null; to: Date | null } | null, limit: number): Promise<AuditEventRow[]> => {
    const qb = knex.select(eventColumns(knex)).from('audit_events as e').where('e.tenant_id', tenantId);
    applyCriteria(qb, args, { indexed: true });
    if (window?.from) qb.where('e.occurred_at', '>=', window.from);
    if (window?.to) qb.where('e.occurred_at', '<', window.to);
    return keysetPage(qb, 'e', limit, cursor);
  };
  let rows: AuditEventRow[];
  if (!hasIndexedTerm(args)) rows = await read(null, first);
  else {
    rows = [];
    const start = cursor ? Number(BigInt(cursor.occurredUs) / 1000n) : Date.now();
    for (const window of searchWindows(start)) {
      if (rows.length > first) break;
      rows.push(...(await read(window, first - rows.length)));
    }
  }
  if (!args.archive) return toConnection(rows, first);
  const archived = await args.archive(tenantId, args, first + 1, cursor);
  return toConnection([...rows, ...archived].sort(newestFirst).slice(0, first + 1), first);
}

/** The event with this id, if it belongs to the tenant; `id` is a UUID (see `parseUuidArgument`). */
export async function findEvent(knex: Knex, tenantId: string, id: string): Promise<AuditEvent | null> {
  // The key table gives occurred_at, which lets PostgreSQL open only the event's partition.
  const row: AuditEventRow | undefined = await knex
    .first(eventColumns(knex))
    .from('audit_events as e')
    .where({ 'e.tenant_id': tenantId, 'e.id': id.toLowerCase() })
    .whereRaw(
      'e.occurred_at = (SELECT k.occurred_at FROM audit_event_keys k WHERE k.tenant_id = ? AND k.id = ?::uuid)',
      [tenantId, id.toLowerCase()],
    );
  return row ? toAuditEvent(row) : null;
}
