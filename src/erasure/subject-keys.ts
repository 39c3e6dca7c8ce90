import { randomBytes } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { newDataKey, unwrapKey, wrapKey, type DataKey, type MasterKeys } from './personal-cipher';

/** A data subject within a tenant: an actor id, a `User` record's id, or `Type:id` of another record. */
export interface Subject {
  tenantId: string;
  subjectId: string;
}

const subjectKey = (subject: Subject) => `${subject.tenantId}\u0000${subject.subjectId}`;
const wrapContext = (tenantId: string, subjectId: string) => `${tenantId}\u0000${subjectId}`;

/**
 * How long an unwrapped key is used from memory: after an erasure on another replica, this one may
 * still read the subject's values for up to this long (the erasing replica forgets the key at once).
 */
export const KEY_CACHE_TTL_MS = 60_000;
const KEY_CACHE_MAX = 20_000;

/** A bounded map whose entries expire: unwrapped keys are not kept in memory for longer than needed. */
class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }
  set(key: string, value: V, now: number): void {
    // Insertion order is age order: the oldest entry goes first when full.
    if (this.entries.size >= KEY_CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: now + KEY_CACHE_TTL_MS });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

interface KeyRow {
  key_id: string;
  tenant_id: string;
  subject_id: string;
  wrapped_key: Buffer;
}

/**
 * The subjects' data keys in `subject_keys`, unwrapped with the master key and kept in memory for a
 * while. Key ids are random, so a key id names one key in any database this process talks to.
 */
export class SubjectKeys {
  private readonly bySubject = new ExpiringCache<DataKey>();
  private readonly byId = new ExpiringCache<DataKey>();

  constructor(readonly master: MasterKeys) {}

  /** The subjects' keys, created for those that have none yet: one query when all are stored, two or three otherwise. */
  async keysFor(knex: Knex, subjects: readonly Subject[]): Promise<Map<string, DataKey>> {
    const now = Date.now();
    const found = new Map<string, DataKey>();
    const missing = new Map<string, Subject>();
    for (const subject of subjects) {
      const name = subjectKey(subject);
      const cached = this.bySubject.get(name, now);
      if (cached) found.set(name, cached);
      else missing.set(name, subject);
    }
    if (missing.size === 0) return found;
    const wanted = [...missing.values()];
    let rows = await this.select(knex, wanted);
    if (rows.length < wanted.length) {
      const stored = new Set(rows.map((row) => wrapContext(row.tenant_id, row.subject_id)));
      const fresh = wanted.filter((subject) => !stored.has(subjectKey(subject)));
      await knex.raw(
        `INSERT INTO subject_keys (tenant_id, subject_id, key_id, wrapped_key)
         SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[]) ON CONFLICT DO NOTHING`,
        [
          fresh.map((subject) => subject.tenantId),
          fresh.map((subject) => subject.subjectId),
          fresh.map(() => randomBytes(12).toString('base64url')),
          fresh.map((subject) =>
            wrapKey(this.master.wrapping, newDataKey(), wrapContext(subject.tenantId, subject.subjectId)),
          ),
        ],
      );
      // Another writer may have created some of them first: the stored key is the one.
      rows = await this.select(knex, wanted);
    }
    for (const row of rows) {
      const key = this.unwrapped(row, now);
      this.bySubject.set(wrapContext(row.tenant_id, row.subject_id), key, now);
      found.set(wrapContext(row.tenant_id, row.subject_id), key);
    }
    return found;
  }

  /** The keys with these ids that still exist (an erased subject's id is absent from the answer). */
  async keysById(knex: Knex, ids: Iterable<string>): Promise<Map<string, DataKey>> {
    const now = Date.now();
    const found = new Map<string, DataKey>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.byId.get(id, now);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const rows: KeyRow[] = await knex('subject_keys')
      .select('key_id', 'tenant_id', 'subject_id', 'wrapped_key')
      .whereIn('key_id', missing);
    for (const row of rows) found.set(row.key_id, this.unwrapped(row, now));
    return found;
  }

  /** Destroys the subject's key (inside the caller's transaction); forgets it here at once. */
  async destroy(trx: Knex.Transaction, subject: Subject): Promise<string | null> {
    const [row] = await trx('subject_keys')
      .where({ tenant_id: subject.tenantId, subject_id: subject.subjectId })
      .delete()
      .returning('key_id');
    this.bySubject.delete(subjectKey(subject));
    if (row) this.byId.delete(row.key_id);
    return row?.key_id ?? null;
  }

  private select(knex: Knex, subjects: readonly Subject[]): Promise<KeyRow[]> {
    return knex
      .select('key_id', 'tenant_id', 'subject_id', 'wrapped_key')
      .from('subject_keys')
      .whereIn(
        ['tenant_id', 'subject_id'],
        subjects.map((subject) => [subject.tenantId, subject.subjectId]),
      );
  }

  private unwrapped(row: KeyRow, now: number): DataKey {
    const cached = this.byId.get(row.key_id, now);
    if (cached) return cached;
    const key = {
      id: row.key_id,
      key: unwrapKey(this.master.wrapping, row.wrapped_key, wrapContext(row.tenant_id, row.subject_id)),
    };
    this.byId.set(row.key_id, key, now);
    return key;
  }
}
