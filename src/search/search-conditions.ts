import type { DateRange, DateTerm, IpTerm, TextTerm, ValueKey } from './ast';
import { ipCondition, type Column, type SqlCondition } from './sql-condition';
import type { BlindIndex } from '../core/sealed-values';

const lower = (values: string[]): string[] => values.map((value) => value.toLowerCase());

/** Keys compared with one column (or a few); `values` are ORed. Change keys are handled by `changeCondition`. */
export function valueCondition(key: ValueKey, values: string[], column: Column, blind: BlindIndex): SqlCondition {
  switch (key) {
    case 'user': {
      const plain: SqlCondition = {
        sql: `${column('actor_id')} = ANY(?::text[]) OR lower(${column('actor_email')}) = ANY(?::text[])
          OR lower(split_part(${column('actor_email')}, '@', 1)) = ANY(?::text[])`,
        bindings: [values, lower(values), lower(values)],
      };
      // Sealed emails match through their blind index terms (src/erasure).
      const terms = userBlindTerms(blind, values);
      if (terms.length === 0) return { sql: `(${plain.sql})`, bindings: plain.bindings };
      return {
        sql: `(${plain.sql} OR ${column('personal_index')} && ?::text[])`,
        bindings: [...plain.bindings, terms],
      };
    }
    case 'role':
      return { sql: `lower(${column('actor_role')}) = ANY(?::text[])`, bindings: [lower(values)] };
    case 'entity':
      return { sql: `lower(${column('entity_type')}) = ANY(?::text[])`, bindings: [lower(values)] };
    case 'action':
    case 'category':
    case 'source':
      return { sql: `${column(key)} = ANY(?::text[])`, bindings: [values] };
    case 'id':
      return { sql: `${column('entity_id')} = ANY(?::text[])`, bindings: [values] };
    case 'session':
      return { sql: `${column('session_id')} = ANY(?::text[])`, bindings: [values] };
    case 'field':
    case 'old_value':
    case 'new_value':
      return changeCondition({ [key]: values }, column);
  }
}

/** The blind index terms a `user:` value matches: a sealed email, or its local part. */
export function userBlindTerms(blind: BlindIndex, values: readonly string[]): string[] {
  return [...blind.blindTerms('email', values), ...blind.blindTerms('emailLocalPart', values)];
}

export type ChangeValues = Partial<Record<'field' | 'old_value' | 'new_value', string[]>>;

/** One element of `changes` must satisfy every given part; JSON null reads as the text `null`. */
export function changeCondition(
  { field = [], old_value = [], new_value = [] }: ChangeValues,
  column: Column,
): SqlCondition {
  if (old_value.length === 0 && new_value.length === 0) {
    // changed_fields mirrors the field names of `changes` and is far cheaper than unnesting it.
    return { sql: `${column('changed_fields')} && ?::text[]`, bindings: [field] };
  }
  const parts: SqlCondition[] = [];
  if (field.length > 0) parts.push({ sql: `c->>'field' = ANY(?::text[])`, bindings: [field] });
  if (old_value.length > 0) {
    parts.push({ sql: `lower(coalesce(c->>'oldValue', 'null')) = ANY(?::text[])`, bindings: [lower(old_value)] });
  }
  if (new_value.length > 0) {
    parts.push({ sql: `lower(coalesce(c->>'newValue', 'null')) = ANY(?::text[])`, bindings: [lower(new_value)] });
  }
  return {
    sql: `EXISTS (SELECT 1 FROM jsonb_array_elements(${column('changes')}) AS c WHERE ${parts.map((p) => p.sql).join(' AND ')})`,
    bindings: parts.flatMap((part) => part.bindings),
  };
}

export function dateCondition({ range }: DateTerm, column: Column): SqlCondition {
  const { lower: from, upper: to }: DateRange = range;
  const parts: SqlCondition[] = [];
  if (from)
    parts.push({ sql: `${column('occurred_at')} ${from.inclusive ? '>=' : '>'} ?::timestamptz`, bindings: [from.at] });
  if (to)
    parts.push({ sql: `${column('occurred_at')} ${to.inclusive ? '<=' : '<'} ?::timestamptz`, bindings: [to.at] });
  return { sql: `(${parts.map((part) => part.sql).join(' AND ')})`, bindings: parts.flatMap((part) => part.bindings) };
}

export function ipTermCondition({ match }: IpTerm, column: Column, blind: BlindIndex): SqlCondition {
  return ipCondition(column('ip_address'), match, column('personal_index'), blind);
}

const TEXT_COLUMNS = [
  'actor_id',
  'actor_email',
  'actor_role',
  'action',
  'entity_type',
  'entity_id',
  'changes',
  'metadata',
  'user_agent',
  'session_id',
  'ip_address',
];

/**
 * Case-insensitive substring of the event's text (its columns joined by spaces, NULLs skipped),
 * through `audit_search_text_matches` (src/reading/migrations) so that the planner reads newest
 * first until a page is full rather than guess how rare the word is.
 */
export function textCondition({ text }: TextTerm, column: Column): SqlCondition {
  // Backslash is ILIKE's default escape character.
  const pattern = `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  return { sql: `audit_search_text_matches(${TEXT_COLUMNS.map(column).join(', ')}, ?)`, bindings: [pattern] };
}
