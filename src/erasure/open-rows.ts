import type { Knex } from '@mikro-orm/postgresql';
import type { AuditEventRow } from '../events/event-row';
import { REDACTED } from '../events/redaction';
import { blindTerm, isSealed, keyIdOf, unseal, type BlindTermKind, type DataKey } from './personal-cipher';
import type { SubjectKeys } from './subject-keys';

/**
 * The keys the read paths open sealed values with. Process-wide because the readers of rows
 * (pages, history, live feeds, streams, exports) take a database handle, not the services; the
 * master key is the process's like the environment it comes from. Key ids are random, so one
 * process reading several databases (the tests) never confuses their keys.
 */
let readingKeys: SubjectKeys | null = null;

export function useReadingKeys(keys: SubjectKeys | null): void {
  readingKeys = keys;
}

type OpenableRow = Partial<
  Pick<AuditEventRow, 'actor_email' | 'ip_address' | 'user_agent' | 'location' | 'changes' | 'erased'>
>;

/**
 * Replaces, in place, the sealed personal values of rows by their plaintext; the values of an erased
 * subject (whose key is gone) become null and are named in the row's `erased` (its `redactedFields`).
 * One key lookup for all the rows; rows without sealed values cost a prefix test per field.
 */
export async function openPersonalData<R extends OpenableRow>(knex: Knex, rows: R[]): Promise<R[]> {
  const ids = new Set<string>();
  const note = (value: unknown) => {
    if (isSealed(value)) ids.add(keyIdOf(value));
  };
  for (const row of rows) {
    note(row.actor_email);
    note(row.ip_address);
    note(row.user_agent);
    note(row.location);
    for (const change of row.changes ?? []) {
      note(change.oldValue);
      note(change.newValue);
    }
  }
  if (ids.size === 0) return rows;
  const keys = readingKeys ? await readingKeys.keysById(knex, ids) : new Map<string, DataKey>();
  for (const row of rows) openRow(row, keys);
  return rows;
}

function openRow(row: OpenableRow, keys: ReadonlyMap<string, DataKey>): void {
  const erased: string[] = [];
  const open = <T>(value: T, name: string): T | null => {
    if (!isSealed(value)) return value;
    const key = keys.get(keyIdOf(value));
    if (key) return unseal(key, value) as T;
    if (!erased.includes(name)) erased.push(name);
    return null;
  };
  row.actor_email = open(row.actor_email, REDACTED.actorEmail);
  row.ip_address = open(row.ip_address, REDACTED.ipAddress);
  row.user_agent = open(row.user_agent, REDACTED.userAgent);
  row.location = open(row.location, REDACTED.location);
  if (row.changes?.some((change) => isSealed(change.oldValue) || isSealed(change.newValue)))
    row.changes = row.changes.map((change) => ({
      field: change.field,
      oldValue: open(change.oldValue, REDACTED.changes(change.field)),
      newValue: open(change.newValue, REDACTED.changes(change.field)),
    }));
  if (erased.length > 0) row.erased = erased;
}

/**
 * The blind index terms (see `blindTerm`) that sealed values equal to `values` carry; none when
 * personal data is stored as sent. Exact-match search ORs them onto its plaintext condition.
 */
export function blindTerms(kind: BlindTermKind, values: readonly string[]): string[] {
  if (!readingKeys) return [];
  const key = readingKeys.master.blindIndex;
  return values.map((value) => blindTerm(key, kind, value));
}
