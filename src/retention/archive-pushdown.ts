import { presetStart } from '../reading/date-range-preset';
import type { EventFilter } from '../reading/event-filter';
import type { DateTerm, SearchQuery, ValueKey } from '../search/ast';
import { sqlText } from './parquet';

/**
 * The criteria as DuckDB conditions on the Parquet columns, so that DuckDB reads few columns and
 * skips row groups by their statistics. Each condition selects a superset of what the predicates
 * of archive-match.ts accept, which still decide every row: what has no cheap exact SQL here
 * (bare words, negations, `ip:`, old and new values) is left to them alone.
 */

const list = (values: string[]) => values.map(sqlText).join(', ');
const inList = (column: string, values: string[]) => `${column} IN (${list(values)})`;
export const microseconds = (at: Date) => `${BigInt(at.getTime()) * 1000n}`;

/**
 * `lower(expression) IN (…)` for a text column, true as well where the column holds a non-ASCII
 * value (more bytes than characters): there DuckDB's lower case may differ from JavaScript's.
 */
function lowerIn(column: string, expression: string, values: string[]): string {
  const lowered = values.map((value) => value.toLowerCase());
  return `(lower(${expression}) IN (${list(lowered)}) OR strlen(${column}) <> length(${column}))`;
}

const anyChangedField = (fields: string[]) => `list_has_any(changed_fields, [${list(fields)}])`;

function valueCondition(key: ValueKey, values: string[], onlyFields: boolean): string | null {
  switch (key) {
    case 'user':
      return `(${inList('actor_id', values)} OR ${lowerIn('actor_email', 'actor_email', values)} OR ${lowerIn('actor_email', `split_part(actor_email, '@', 1)`, values)})`;
    case 'role':
      return lowerIn('actor_role', 'actor_role', values);
    case 'entity':
      return lowerIn('entity_type', 'entity_type', values);
    case 'action':
    case 'category':
    case 'source':
      return inList(key, values);
    case 'id':
      return inList('entity_id', values);
    case 'session':
      return inList('session_id', values);
    case 'field':
      // With old or new values, the change's own field is what counts: the predicate decides.
      return onlyFields ? anyChangedField(values) : null;
    case 'old_value':
    case 'new_value':
      return null;
  }
}

function dateCondition({ range: { lower, upper } }: DateTerm): string {
  const bounds = ['true'];
  if (lower) bounds.push(`occurred_us ${lower.inclusive ? '>=' : '>'} ${microseconds(lower.at)}`);
  if (upper) bounds.push(`occurred_us ${upper.inclusive ? '<=' : '<'} ${microseconds(upper.at)}`);
  return `(${bounds.join(' AND ')})`;
}

/** The search's positive keyed terms: values of one key ORed, keys ANDed, as the search SQL groups them. */
export function searchConditions(query: SearchQuery | null): string[] {
  if (!query) return [];
  const byKey = new Map<ValueKey, string[]>();
  const dates: DateTerm[] = [];
  for (const term of query.terms) {
    if (term.negated) continue;
    if (term.kind === 'value') byKey.set(term.key, [...(byKey.get(term.key) ?? []), term.value]);
    else if (term.kind === 'date') dates.push(term);
  }
  const onlyFields = !byKey.has('old_value') && !byKey.has('new_value');
  const conditions = [...byKey].flatMap(([key, values]) => valueCondition(key, values, onlyFields) ?? []);
  if (dates.length > 0) conditions.push(`(${dates.map(dateCondition).join(' OR ')})`);
  return conditions;
}

/** The event filter's range, preset, lists and fields (its `ip` is left to the predicate). */
export function filterConditions(filter: EventFilter | undefined, now: Date): string[] {
  if (!filter) return [];
  const conditions: string[] = [];
  if (filter.from) conditions.push(`occurred_us >= ${microseconds(filter.from)}`);
  if (filter.to) conditions.push(`occurred_us <= ${microseconds(filter.to)}`);
  if (filter.preset) conditions.push(`occurred_us >= ${microseconds(presetStart(filter.preset, now))}`);
  const lists: Array<[string, string[] | undefined]> = [
    ['actor_id', filter.actorIds],
    ['action', filter.actions],
    ['category', filter.categories],
    ['entity_type', filter.entityTypes],
    ['entity_id', filter.entityIds],
    ['source', filter.sources],
  ];
  for (const [column, values] of lists) if (values && values.length > 0) conditions.push(inList(column, values));
  const fields = [...(filter.fields ?? []), ...(filter.field ? [filter.field] : [])];
  if (fields.length > 0) conditions.push(anyChangedField(fields));
  return conditions;
}

/**
 * The categories an event must be of (each list ANDed with the others): archive files hold one
 * category each, so the files of other categories are not read at all.
 */
export function categoryLists(filter: EventFilter | undefined, query: SearchQuery | null): string[][] {
  const lists: string[][] = [];
  if (filter?.categories && filter.categories.length > 0) lists.push(filter.categories);
  const searched = (query?.terms ?? []).flatMap((term) =>
    term.kind === 'value' && term.key === 'category' && !term.negated ? [term.value] : [],
  );
  if (searched.length > 0) lists.push(searched);
  return lists;
}
