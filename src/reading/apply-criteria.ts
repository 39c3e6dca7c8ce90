import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { parseSearchArgument } from '../search/parse';
import { applySearch } from '../search/search-sql';
import { applyEventFilter, type EventFilter } from './event-filter';

/** What narrows a read of the log: a filter, a search text, and a saved filter's own pair. */
export interface EventCriteria {
  filter?: EventFilter;
  search?: string | null;
  /** A saved filter's criteria, ANDed with `filter` and `search`. */
  saved?: { filter: EventFilter; search: string | null } | null;
}

/**
 * ANDs every criterion onto a query of `audit_events` aliased `alias`: the one place where
 * `auditEvents`, `auditStats` and `auditEventRecorded` turn criteria into SQL. `indexed`: the read
 * goes over the tenant's whole log, so terms are written for the search index (see `applySearch`).
 * @throws BadUserInputError naming `filter.<field>`, `search` or `savedFilterId`.
 */
export function applyCriteria(
  qb: Knex.QueryBuilder,
  criteria: EventCriteria,
  { alias = 'e', indexed = false, blindIndex }: { alias?: string; indexed?: boolean; blindIndex: BlindIndex },
): Knex.QueryBuilder {
  applyEventFilter(qb, criteria.filter, { alias, argument: 'filter', indexed, blindIndex });
  if (criteria.search) applySearch(qb, parseSearchArgument(criteria.search, 'search'), { alias, indexed, blindIndex });
  if (criteria.saved) {
    applyEventFilter(qb, criteria.saved.filter, { alias, argument: 'savedFilterId', indexed, blindIndex });
    if (criteria.saved.search)
      applySearch(qb, parseSearchArgument(criteria.saved.search, 'savedFilterId'), { alias, indexed, blindIndex });
  }
  return qb;
}
