/** The parsed form of the search syntax; plain data, so it can be logged, stored and compared. */

/** Keys whose value is kept as (normalised) text. */
export type ValueKey =
  | 'user'
  | 'role'
  | 'action'
  | 'category'
  | 'source'
  | 'entity'
  | 'id'
  | 'field'
  | 'old_value'
  | 'new_value'
  | 'session';

export type SearchKey = ValueKey | 'ip' | 'date';

export const SEARCH_KEYS: readonly SearchKey[] = [
  'user',
  'role',
  'action',
  'category',
  'source',
  'entity',
  'id',
  'field',
  'old_value',
  'new_value',
  'ip',
  'session',
  'date',
];

export interface DateBound {
  at: Date;
  inclusive: boolean;
}

/** Either side may be open; a day-only bound is already widened to whole UTC days. */
export interface DateRange {
  lower?: DateBound;
  upper?: DateBound;
}

export type IpMatch = { kind: 'address'; address: string } | { kind: 'cidr'; cidr: string };

interface TermBase {
  negated: boolean;
  /** 0-based offset of the term (including a leading `-`) in the input. */
  position: number;
}

export interface TextTerm extends TermBase {
  kind: 'text';
  text: string;
}

export interface ValueTerm extends TermBase {
  kind: 'value';
  key: ValueKey;
  value: string;
}

export interface DateTerm extends TermBase {
  kind: 'date';
  key: 'date';
  /** As written, e.g. `>=2026-05-01`. */
  raw: string;
  range: DateRange;
}

export interface IpTerm extends TermBase {
  kind: 'ip';
  key: 'ip';
  match: IpMatch;
}

export type SearchTerm = TextTerm | ValueTerm | DateTerm | IpTerm;

export interface SearchQuery {
  terms: SearchTerm[];
}
