import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import type { SearchQuery, SearchTerm, ValueKey } from './ast';
import { changeCondition, dateCondition, ipTermCondition, textCondition, valueCondition } from './search-conditions';
import type { ChangeValues } from './search-conditions';
import { anyOf, applyConditions, columnsOf, not, type Column, type SqlCondition } from './sql-condition';
import { foldEnumNegations } from './enum-negations';
import { indexedChangeCondition, indexedValueCondition } from './term-tokens';

const CHANGE_KEYS = ['field', 'old_value', 'new_value'] as const;
const NOTHING: SqlCondition = { sql: 'false', bindings: [] };

function termCondition(term: SearchTerm, column: Column, blind: BlindIndex): SqlCondition {
  switch (term.kind) {
    case 'text':
      return textCondition(term, column);
    case 'value':
      return valueCondition(term.key, [term.value], column, blind);
    case 'date':
      return dateCondition(term, column);
    case 'ip':
      return ipTermCondition(term, column, blind);
  }
}

/**
 * Non-negated keyed terms: one condition per key, its values ORed; field/old_value/new_value share one.
 * `indexed`: each is written so that the search index can answer it (negations stay as they are).
 */
function positiveConditions(terms: SearchTerm[], column: Column, indexed: boolean, blind: BlindIndex): SqlCondition[] {
  const valuesByKey = new Map<ValueKey, string[]>();
  const alternativesByKey = new Map<'date' | 'ip', SqlCondition[]>();
  for (const term of terms) {
    if (term.kind === 'value') valuesByKey.set(term.key, [...(valuesByKey.get(term.key) ?? []), term.value]);
    else if (term.kind !== 'text') {
      alternativesByKey.set(term.key, [...(alternativesByKey.get(term.key) ?? []), termCondition(term, column, blind)]);
    }
  }
  const change: ChangeValues = {};
  for (const key of CHANGE_KEYS) {
    const values = valuesByKey.get(key);
    if (values) change[key] = values;
    valuesByKey.delete(key);
  }
  return [
    ...[...valuesByKey].map(([key, values]) =>
      indexed ? indexedValueCondition(key, values, column, blind) : valueCondition(key, values, column, blind),
    ),
    ...[...alternativesByKey.values()].map(anyOf),
    ...(Object.keys(change).length > 0
      ? [indexed ? indexedChangeCondition(change, column) : changeCondition(change, column)]
      : []),
  ];
}

/**
 * The search as conditions on rows of `audit_events` under `options.alias`, to be ANDed: terms are ANDed, a
 * repeated key is ORed, each negated term is its own NOT, each bare word its own substring match.
 * `indexed` (reads over a tenant's whole log) writes keyed terms as search-token checks, and negations
 * of enumerated keys as the values they leave (`foldEnumNegations`), the same events; reads of a few
 * events (a record's history, new events of a live feed, an alert window)
 * keep the plain comparisons, which are cheaper row by row. `blindIndex`: how `user:` and `ip:`
 * values also match sealed emails and addresses.
 */
export function searchConditions(
  query: SearchQuery,
  options: { alias: string; indexed?: boolean; blindIndex: BlindIndex },
): SqlCondition[] {
  const column = columnsOf(options.alias);
  const terms = options.indexed ? foldEnumNegations(query.terms) : query.terms;
  if (terms === null) return [NOTHING];
  const keyed = terms.filter((term) => term.kind !== 'text' && !term.negated);
  const each = terms.filter((term) => term.kind === 'text' || term.negated);
  return [
    ...each.map((term) => {
      const condition = termCondition(term, column, options.blindIndex);
      return term.negated ? not(condition) : condition;
    }),
    ...positiveConditions(keyed, column, options.indexed ?? false, options.blindIndex),
  ];
}

/** Adds the search (see `searchConditions`) to `qb`. */
export function applySearch(
  qb: Knex.QueryBuilder,
  query: SearchQuery,
  options: { alias: string; indexed?: boolean; blindIndex: BlindIndex },
): Knex.QueryBuilder {
  return applyConditions(qb, searchConditions(query, options));
}
