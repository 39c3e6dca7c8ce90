import type { Knex } from '@mikro-orm/postgresql';
import { isSealed, type BlindTermKind, type SealableRow, type SealedValues } from '../core/sealed-values';
import { REDACTED } from '../events/redaction';
import { blindTerm, keyIdOf, unseal, type DataKey } from './personal-cipher';
import type { SubjectKeys } from './subject-keys';

/**
 * The read paths' view of sealed values, under the subjects' keys; without keys (no master key)
 * every sealed value reads as erased and no search term is blind.
 */
export class SubjectKeyedValues implements SealedValues {
  constructor(private readonly keys: SubjectKeys | null) {}

  /** One key lookup for all the rows; rows without sealed values cost a prefix test per field. */
  async open<R extends SealableRow>(knex: Knex, rows: R[]): Promise<R[]> {
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
    const keys = this.keys ? await this.keys.keysById(knex, ids) : new Map<string, DataKey>();
    for (const row of rows) openRow(row, keys);
    return rows;
  }

  blindTerms(kind: BlindTermKind, values: readonly string[]): string[] {
    if (!this.keys) return [];
    const key = this.keys.master.blindIndex;
    return values.map((value) => blindTerm(key, kind, value));
  }
}

function openRow(row: SealableRow, keys: ReadonlyMap<string, DataKey>): void {
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
