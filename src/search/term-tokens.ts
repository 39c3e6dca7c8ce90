import type { BlindIndex } from '../core/sealed-values';
import type { ValueKey } from './ast';
import { changeCondition, userBlindTerms, valueCondition, type ChangeValues } from './search-conditions';
import { andAll, throughTokens, tokenCheck, type TokenKind, type TokenValues } from './search-tokens';
import type { Column, SqlCondition } from './sql-condition';

const lower = (value: string): string => value.toLowerCase();

/** Keys compared with one column, and whether `valueCondition` lowers both sides. */
const VALUE_TOKENS: Record<Exclude<ValueKey, 'user' | 'field' | 'old_value' | 'new_value'>, [TokenKind, boolean]> = {
  role: ['r', true],
  entity: ['e', true],
  action: ['a', false],
  category: ['c', false],
  source: ['s', false],
  id: ['i', false],
  session: ['n', false],
};

function tokenValues(key: Exclude<ValueKey, 'field' | 'old_value' | 'new_value'>, values: string[]): TokenValues {
  // An actor id as given; an email or its local part lowered.
  if (key === 'user')
    return values.flatMap((value): TokenValues => [
      ['u', value],
      ['m', lower(value)],
    ]);
  const [kind, lowered] = VALUE_TOKENS[key];
  return values.map((value) => [kind, lowered ? lower(value) : value]);
}

/** `valueCondition(key, values)` as the search index can answer it, matching the same events. */
export function indexedValueCondition(
  key: ValueKey,
  values: string[],
  column: Column,
  blind: BlindIndex,
): SqlCondition {
  if (key === 'field' || key === 'old_value' || key === 'new_value')
    return indexedChangeCondition({ [key]: values }, column);
  const indexed = throughTokens(valueCondition(key, values, column, blind), tokenValues(key, values), column);
  if (key !== 'user') return indexed;
  // Sealed emails are not in the search tokens: their blind index terms are (src/erasure).
  const terms = userBlindTerms(blind, values);
  if (terms.length === 0) return indexed;
  return {
    sql: `((${indexed.sql}) OR ${column('personal_index')} && ?::text[])`,
    bindings: [...indexed.bindings, terms],
  };
}

/**
 * `changeCondition(values)` as the search index can answer it. Field names alone are
 * `changed_fields`, and old or new values alone one change's value: their tokens say the same.
 * Several parts must hold for the same change, which tokens cannot tell: there they only narrow.
 */
export function indexedChangeCondition(change: ChangeValues, column: Column): SqlCondition {
  const { field = [], old_value = [], new_value = [] } = change;
  const condition = changeCondition(change, column);
  const olds: TokenValues = old_value.map((value) => ['o', lower(value)]);
  const news: TokenValues = new_value.map((value) => ['v', lower(value)]);
  if (olds.length === 0 && news.length === 0)
    return throughTokens(
      condition,
      field.map((name): [TokenKind, string] => ['f', name]),
      column,
    );
  if (field.length === 0 && (olds.length === 0 || news.length === 0))
    return throughTokens(condition, [...olds, ...news], column);
  const checks = [olds, news]
    .filter((values) => values.length > 0)
    .map((values) => tokenCheck(values, column).condition);
  return andAll([...checks, condition]);
}
