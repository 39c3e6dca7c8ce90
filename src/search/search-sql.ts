import type { Knex } from '@mikro-orm/postgresql';
import type { SearchQuery, SearchTerm, ValueKey } from './ast';
import { dateCondition, ipTermCondition, textCondition, valueCondition } from './search-conditions';
import type { ChangeValues } from './search-conditions';
import { anyOf, applyConditions, columnsOf, not, type Column, type SqlCondition } from './sql-condition';
import { indexedChangeCondition, indexedValueCondition } from './term-tokens';

const CHANGE_KEYS = ['field', 'old_value', 'new_value'] as const;

function termCondition(term: SearchTerm, column: Column): SqlCondition {
  switch (term.kind) {
    case 'text':
      return textCondition(term, column);
    case 'value':
      return valueCondition(term.key, [term.value], column);
    case 'date':
      return dateCondition(term, column);
    case 'ip':
      return ipTermCondition(term, column);
  }
}

/**
 * Non-negated keyed terms: one condition per key, its values ORed; field/old_value/new_value share one.
 * Each is written so that the search index can answer it (a negation is kept as it is: it matches most events).
 */
function positiveConditions(terms: SearchTerm[], column: Column): SqlCondition[] {
  const valuesByKey = new Map<ValueKey, string[]>();
  const alternativesByKey = new Map<'date' | 'ip', SqlCondition[]>();
  for (const term of terms) {
    if (term.kind === 'value') valuesByKey.set(term.key, [...(valuesByKey.get(term.key) ?? []), term.value]);
    else if (term.kind !== 'text') {
      alternativesByKey.set(term.key, [...(alternativesByKey.get(term.key) ?? []), termCondition(term, column)]);
    }
  }
  const change: ChangeValues = {};
  for (const key of CHANGE_KEYS) {
    const values = valuesByKey.get(key);
    if (values) change[key] = values;
    valuesByKey.delete(key);
  }
  return [
    ...[...valuesByKey].map(([key, values]) => indexedValueCondition(key, values, column)),
    ...[...alternativesByKey.values()].map(anyOf),
    ...(Object.keys(change).length > 0 ? [indexedChangeCondition(change, column)] : []),
  ];
}

/**
 * Adds the search to `qb` (rows of `audit_events` under `options.alias`): terms are ANDed, a repeated
 * key is ORed, each negated term is its own NOT, each bare word its own substring match.
 */
export function applySearch(qb: Knex.QueryBuilder, query: SearchQuery, options: { alias: string }): Knex.QueryBuilder {
  const column = columnsOf(options.alias);
  const keyed = query.terms.filter((term) => term.kind !== 'text' && !term.negated);
  const each = query.terms.filter((term) => term.kind === 'text' || term.negated);
  return applyConditions(qb, [
    ...each.map((term) => (term.negated ? not(termCondition(term, column)) : termCondition(term, column))),
    ...positiveConditions(keyed, column),
  ]);
}
