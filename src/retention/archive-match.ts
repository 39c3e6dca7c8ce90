import ipaddr from 'ipaddr.js';
import type { IpMatch, SearchQuery, SearchTerm, ValueKey } from '../search/ast';
import { parseIpMatch } from '../search/ip-match';
import { presetStart } from '../reading/date-range-preset';
import type { EventFilter } from '../reading/event-filter';
import type { SubjectCriterion } from '../reading/apply-criteria';
import { PERSON_ENTITY_TYPE } from '../core/sealed-values';
import type { ArchiveRow } from './archive-row';

/**
 * The search syntax and the event filter evaluated on an archived row, with the semantics of their
 * SQL on the live table (src/search/search-sql.ts, src/reading/event-filter.ts): a term on a missing
 * value is false, a negated term is true then; keys repeated are ORed, terms ANDed.
 */
export type RowPredicate = (row: ArchiveRow) => boolean;

interface Change {
  field: string;
  oldValue: unknown;
  newValue: unknown;
}

/** A JSON value as PostgreSQL prints jsonb: `, ` and `: ` separators, keys by length then bytes. */
export function jsonbText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((key) => `${JSON.stringify(key)}: ${jsonbText((value as Record<string, unknown>)[key])}`).join(', ')}}`;
}

/** `->>` of a jsonb value: a string as it is, anything else as jsonb prints it; JSON null reads as `null`. */
const asText = (value: unknown) =>
  value === null || value === undefined ? 'null' : typeof value === 'string' ? value : jsonbText(value);

function ipMatches(address: string | null, match: IpMatch): boolean {
  if (address === null) return false;
  if (match.kind === 'address') return address === match.address;
  const parsed = ipaddr.parse(address);
  const [network, prefix] = ipaddr.parseCIDR(match.cidr);
  return parsed.kind() === network.kind() && parsed.match(network, prefix);
}

const lowered = (values: string[]) => new Set(values.map((value) => value.toLowerCase()));
const occurredAtOrAfter = (row: ArchiveRow, at: Date) => row.occurred_us >= BigInt(at.getTime()) * 1000n;
const occurredAtOrBefore = (row: ArchiveRow, at: Date) => row.occurred_us <= BigInt(at.getTime()) * 1000n;

function valuePredicate(key: ValueKey, values: string[]): RowPredicate {
  const exact = new Set(values);
  const lower = lowered(values);
  const inLower = (value: string | null) => value !== null && lower.has(value.toLowerCase());
  switch (key) {
    case 'user':
      return (row) =>
        exact.has(row.actor_id) || inLower(row.actor_email) || inLower(row.actor_email?.split('@')[0] ?? null);
    case 'role':
      return (row) => inLower(row.actor_role);
    case 'entity':
      return (row) => inLower(row.entity_type);
    case 'action':
    case 'category':
    case 'source':
      return (row) => exact.has(row[key]);
    case 'id':
      return (row) => row.entity_id !== null && exact.has(row.entity_id);
    case 'session':
      return (row) => row.session_id !== null && exact.has(row.session_id);
    case 'field':
    case 'old_value':
    case 'new_value':
      return changePredicate({ [key]: values });
  }
}

function changePredicate({
  field = [],
  old_value = [],
  new_value = [],
}: Partial<Record<'field' | 'old_value' | 'new_value', string[]>>): RowPredicate {
  const fields = new Set(field);
  if (old_value.length === 0 && new_value.length === 0)
    return (row) => row.changed_fields.some((name) => fields.has(name));
  const olds = lowered(old_value);
  const news = lowered(new_value);
  return (row) =>
    (JSON.parse(row.changes) as Change[]).some(
      (change) =>
        (fields.size === 0 || fields.has(change.field)) &&
        (olds.size === 0 || olds.has(asText(change.oldValue).toLowerCase())) &&
        (news.size === 0 || news.has(asText(change.newValue).toLowerCase())),
    );
}

function textPredicate(text: string): RowPredicate {
  const needle = text.toLowerCase();
  return (row) => {
    const metadata = JSON.parse(row.metadata);
    const parts = [
      row.actor_id,
      row.actor_email,
      row.actor_role,
      row.action,
      row.entity_type,
      row.entity_id,
      jsonbText(JSON.parse(row.changes)),
      metadata === null ? null : jsonbText(metadata),
      row.user_agent,
      row.session_id,
      row.ip_address,
    ];
    return parts
      .filter((part) => part !== null)
      .join(' ')
      .toLowerCase()
      .includes(needle);
  };
}

function termPredicate(term: SearchTerm): RowPredicate {
  switch (term.kind) {
    case 'text':
      return textPredicate(term.text);
    case 'value':
      return valuePredicate(term.key, [term.value]);
    case 'ip':
      return (row) => ipMatches(row.ip_address, term.match);
    case 'date': {
      const { lower, upper } = term.range;
      const lowerUs = lower && BigInt(lower.at.getTime()) * 1000n;
      const upperUs = upper && BigInt(upper.at.getTime()) * 1000n;
      return (row) =>
        (!lower || (lower.inclusive ? row.occurred_us >= lowerUs! : row.occurred_us > lowerUs!)) &&
        (!upper || (upper.inclusive ? row.occurred_us <= upperUs! : row.occurred_us < upperUs!));
    }
  }
}

const CHANGE_KEYS = ['field', 'old_value', 'new_value'] as const;

/** The search as one predicate, grouped exactly as `applySearch` groups its SQL. */
export function searchPredicate(query: SearchQuery): RowPredicate {
  const predicates: RowPredicate[] = [];
  const valuesByKey = new Map<ValueKey, string[]>();
  const alternatives = new Map<string, RowPredicate[]>();
  for (const term of query.terms) {
    if (term.kind === 'text' || term.negated) {
      const predicate = termPredicate(term);
      predicates.push(term.negated ? (row) => !predicate(row) : predicate);
    } else if (term.kind === 'value') valuesByKey.set(term.key, [...(valuesByKey.get(term.key) ?? []), term.value]);
    else alternatives.set(term.key, [...(alternatives.get(term.key) ?? []), termPredicate(term)]);
  }
  const change: Partial<Record<(typeof CHANGE_KEYS)[number], string[]>> = {};
  for (const key of CHANGE_KEYS) {
    const values = valuesByKey.get(key);
    if (values) change[key] = values;
    valuesByKey.delete(key);
  }
  for (const [key, values] of valuesByKey) predicates.push(valuePredicate(key, values));
  for (const options of alternatives.values()) predicates.push((row) => options.some((option) => option(row)));
  if (Object.keys(change).length > 0) predicates.push(changePredicate(change));
  return (row) => predicates.every((predicate) => predicate(row));
}

/** The event filter as one predicate (its arguments already checked by the live query). */
export function filterPredicate(filter: EventFilter | undefined, now: Date): RowPredicate {
  if (!filter) return () => true;
  const predicates: RowPredicate[] = [];
  if (filter.from) predicates.push((row) => occurredAtOrAfter(row, filter.from!));
  if (filter.to) predicates.push((row) => occurredAtOrBefore(row, filter.to!));
  if (filter.preset) {
    const since = presetStart(filter.preset, now);
    predicates.push((row) => occurredAtOrAfter(row, since));
  }
  const list = (values: string[] | undefined, value: (row: ArchiveRow) => string | null) => {
    if (!values || values.length === 0) return;
    const set = new Set(values);
    predicates.push((row) => {
      const actual = value(row);
      return actual !== null && set.has(actual);
    });
  };
  list(filter.actorIds, (row) => row.actor_id);
  list(filter.actions, (row) => row.action);
  list(filter.categories, (row) => row.category);
  list(filter.entityTypes, (row) => row.entity_type);
  list(filter.entityIds, (row) => row.entity_id);
  list(filter.sources, (row) => row.source);
  const ip = filter.ip?.trim() ? parseIpMatch(filter.ip.trim()) : undefined;
  if (ip) predicates.push((row) => ipMatches(row.ip_address, ip));
  const fields = new Set([...(filter.fields ?? []), ...(filter.field ? [filter.field] : [])]);
  if (fields.size > 0) predicates.push((row) => row.changed_fields.some((name) => fields.has(name)));
  return (row) => predicates.every((predicate) => predicate(row));
}

/** The changes of archived rows as their sealed values open (by row id): what a subject's values are matched against. */
export type OpenedChanges = ReadonlyMap<string, Change[]>;

/**
 * A data subject's archived events, as `applySubject` selects live ones: as the actor, the impersonator,
 * the `User` record, a value in `changes` equal (case-insensitively) to its id or a matched value, or
 * an event `matches.eventIds` names. A row in `opened` is matched on its opened changes: a value
 * sealed under another subject's key (a marked `Contact.email`) is compared as it reads.
 */
export function subjectPredicate({
  id,
  matches,
}: SubjectCriterion): (row: ArchiveRow, opened: OpenedChanges) => boolean {
  const values = lowered([id, ...(matches?.values ?? [])]);
  const eventIds = new Set(matches?.eventIds ?? []);
  // `->>` of a JSON null is SQL NULL there: it equals nothing.
  const isValue = (value: unknown) => value !== null && value !== undefined && values.has(asText(value).toLowerCase());
  return (row, opened) =>
    row.actor_id === id ||
    row.impersonator_id === id ||
    (row.entity_type === PERSON_ENTITY_TYPE && row.entity_id === id) ||
    eventIds.has(row.id) ||
    (opened.get(row.id) ?? (JSON.parse(row.changes) as Change[])).some(
      (change) => isValue(change.oldValue) || isValue(change.newValue),
    );
}
