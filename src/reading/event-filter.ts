import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { BadUserInputError } from '../errors';
import { parseIpMatch } from '../search/ip-match';
import { DateRangePreset, presetStart } from './date-range-preset';
import { applyConditions, columnsOf, ipCondition, type Column, type SqlCondition } from '../search/sql-condition';
import { throughTokens, type TokenKind } from '../search/search-tokens';

export { DateRangePreset };

/** Every given field is ANDed; a list matches any of its values; an empty list or string is no constraint. */
export interface EventFilter {
  from?: Date;
  to?: Date;
  preset?: DateRangePreset;
  actorIds?: string[];
  actions?: string[];
  categories?: string[];
  entityTypes?: string[];
  entityIds?: string[];
  sources?: string[];
  /** An exact address or a CIDR range (host bits are cleared: `10.0.0.1/8` is `10.0.0.0/8`). */
  ip?: string;
  field?: string;
  fields?: string[];
}

export interface EventFilterOptions {
  alias: string;
  /** Names the filter in errors, e.g. `filter` gives `filter.from`. */
  argument: string;
  now?: Date;
  /** Lists through the search tokens' index, for reads over a tenant's whole log (see `applySearch`). */
  indexed?: boolean;
  /** How an exact `ip` also matches sealed addresses. */
  blindIndex: BlindIndex;
}

function checkDate(date: Date | undefined, argument: string): void {
  if (date && Number.isNaN(date.getTime())) throw new BadUserInputError(argument, 'is not a valid date');
}

function timeConditions(filter: EventFilter, column: string, { argument, now }: EventFilterOptions): SqlCondition[] {
  checkDate(filter.from, `${argument}.from`);
  checkDate(filter.to, `${argument}.to`);
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new BadUserInputError(`${argument}.from`, 'must not be after `to`');
  }
  const conditions: SqlCondition[] = [];
  if (filter.from) conditions.push({ sql: `${column} >= ?::timestamptz`, bindings: [filter.from] });
  if (filter.to) conditions.push({ sql: `${column} <= ?::timestamptz`, bindings: [filter.to] });
  if (filter.preset) {
    const since = presetStart(filter.preset, now ?? new Date());
    conditions.push({ sql: `${column} >= ?::timestamptz`, bindings: [since] });
  }
  return conditions;
}

/** `name = ANY(values)`, through the search tokens when the column has tokens of `kind`. */
function listCondition(column: Column, name: string, values: string[] | undefined, kind?: TokenKind): SqlCondition[] {
  if (!values || values.length === 0) return [];
  const condition = { sql: `${column(name)} = ANY(?::text[])`, bindings: [values] };
  if (!kind) return [condition];
  return [
    throughTokens(
      condition,
      values.map((value): [TokenKind, string] => [kind, value]),
      column,
    ),
  ];
}

function ipConditions(
  ip: string | undefined,
  column: Column,
  { argument, blindIndex }: EventFilterOptions,
): SqlCondition[] {
  const text = ip?.trim();
  if (!text) return [];
  const match = parseIpMatch(text);
  if (!match) throw new BadUserInputError(`${argument}.ip`, `"${ip}" is not an IP address or CIDR range`);
  return [ipCondition(column('ip_address'), match, column('personal_index'), blindIndex)];
}

function fieldConditions(filter: EventFilter, column: Column, indexed: boolean): SqlCondition[] {
  const fields = [...(filter.fields ?? []), ...(filter.field ? [filter.field] : [])];
  if (fields.length === 0) return [];
  const condition = { sql: `${column('changed_fields')} && ?::text[]`, bindings: [fields] };
  if (!indexed) return [condition];
  return [
    throughTokens(
      condition,
      fields.map((field): [TokenKind, string] => ['f', field]),
      column,
    ),
  ];
}

/** Adds the filter's conditions to `qb` (rows of `audit_events` under `options.alias`). */
export function applyEventFilter(
  qb: Knex.QueryBuilder,
  filter: EventFilter | undefined,
  options: EventFilterOptions,
): Knex.QueryBuilder {
  if (!filter) return qb;
  const column = columnsOf(options.alias);
  const indexed = options.indexed ?? false;
  const kind = (token: TokenKind) => (indexed ? token : undefined);
  return applyConditions(qb, [
    ...timeConditions(filter, column('occurred_at'), options),
    // actor_id and entity_type lead btree indexes of their own.
    ...listCondition(column, 'actor_id', filter.actorIds),
    ...listCondition(column, 'action', filter.actions, kind('a')),
    ...listCondition(column, 'category', filter.categories, kind('c')),
    ...listCondition(column, 'entity_type', filter.entityTypes),
    ...listCondition(column, 'entity_id', filter.entityIds, kind('i')),
    ...listCondition(column, 'source', filter.sources, kind('s')),
    ...ipConditions(filter.ip, column, options),
    ...fieldConditions(filter, column, indexed),
  ]);
}
