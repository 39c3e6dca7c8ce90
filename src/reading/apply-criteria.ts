import type { Knex } from '@mikro-orm/postgresql';
import { PERSON_ENTITY_TYPE, type BlindIndex } from '../core/sealed-values';
import { parseSearchArgument } from '../search/parse';
import { applySearch } from '../search/search-sql';
import { columnsOf } from '../search/sql-condition';
import { applyEventFilter, type EventFilter } from './event-filter';

/** What narrows a read of the log: a filter, a search text, and a saved filter's own pair. */
export interface EventCriteria {
  filter?: EventFilter;
  search?: string | null;
  /** A saved filter's criteria, ANDed with `filter` and `search`. */
  saved?: { filter: EventFilter; search: string | null } | null;
  /** The events of one data subject (a subject access export). */
  subject?: SubjectCriterion | null;
}

/**
 * A data subject's events: as the actor, the impersonator, the `User` record, or a value in `changes`
 * (its id, or one of `matches.values`), and the events `matches.eventIds` names (its values found
 * sealed). `matches` is found when the export runs and never stored: it holds the subject's emails.
 */
export interface SubjectCriterion {
  id: string;
  matches?: { values: string[]; eventIds: string[] };
}

function applySubject(qb: Knex.QueryBuilder, alias: string, { id, matches }: SubjectCriterion): void {
  const column = columnsOf(alias);
  const values = [...new Set([id.toLowerCase(), ...(matches?.values ?? [])])];
  qb.whereRaw(
    `(${column('actor_id')} = ? OR ${column('impersonator_id')} = ?
      OR (${column('entity_type')} = ? AND ${column('entity_id')} = ?)
      OR EXISTS (SELECT 1 FROM jsonb_array_elements(${column('changes')}) AS c
        WHERE lower(c->>'oldValue') = ANY(?::text[]) OR lower(c->>'newValue') = ANY(?::text[]))
      OR ${column('id')} = ANY(?::uuid[]))`,
    [id, id, PERSON_ENTITY_TYPE, id, values, values, matches?.eventIds ?? []],
  );
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
  if (criteria.subject) applySubject(qb, alias, criteria.subject);
  if (criteria.saved) {
    applyEventFilter(qb, criteria.saved.filter, { alias, argument: 'savedFilterId', indexed, blindIndex });
    if (criteria.saved.search)
      applySearch(qb, parseSearchArgument(criteria.saved.search, 'savedFilterId'), { alias, indexed, blindIndex });
  }
  return qb;
}
