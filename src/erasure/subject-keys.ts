import type { Knex } from '@mikro-orm/postgresql';
import { encodeCommitNotice } from '../live/commit-notice';
import { newDataKeys, unwrapKey, wrapKey, type DataKey, type MasterKeys } from './personal-cipher';

/** A data subject within a tenant: an actor id, a `User` record's id, or `Type:id` of another record. */
export interface Subject {
  tenantId: string;
  subjectId: string;
}

const subjectKey = (subject: Subject) => `${subject.tenantId}\u0000${subject.subjectId}`;
const wrapContext = (tenantId: string, subjectId: string) => `${tenantId}\u0000${subjectId}`;

/**
 * How long an unwrapped key is used from memory at most. Every replica forgets all its keys when any
 * erasure commits (`ERASURE_CHANNEL`); this bounds how long a replica that missed the notice (its
 * listening connection lost) may still open an erased subject's values.
 */
export const KEY_CACHE_TTL_MS = 60_000;

/** The PostgreSQL channel on which a committed erasure reaches every replica (NOTIFY in its transaction). */
export const ERASURE_CHANNEL = 'audit_subject_erased';
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
  clear(): void {
    this.entries.clear();
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
  /**
   * Counts `forgetAll` calls: a key read from the table before an erasure committed, whose answer
   * arrives after its notice, is used by that request but not remembered.
   */
  private generation = 0;

  constructor(readonly master: MasterKeys) {}

  /** An erasure committed somewhere (or its notices may have been missed): no key in memory is used again. */
  forgetAll(): void {
    this.generation++;
    this.bySubject.clear();
    this.byId.clear();
  }

  /**
   * The subjects' keys, created for those that have none yet: one statement, which creates the missing
   * keys and answers the stored ones; a second only for keys another writer created meanwhile.
   * Inside a transaction (the write path's), keys it creates are remembered only once it commits: a
   * batch that rolls back takes its keys with it, and no later batch may seal under them.
   */
  async keysFor(knex: Knex, subjects: readonly Subject[]): Promise<Map<string, DataKey>> {
    const now = Date.now();
    const generation = this.generation;
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
    // A key is made for every subject not in memory, stored or not: a wrap costs less than a round trip.
    const made = newDataKeys(wanted.length);
    const { rows } = await knex.raw<{ rows: Array<KeyRow & { created: boolean }> }>(
      `WITH wanted AS (
         SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[]) AS w(tenant_id, subject_id, key_id, wrapped_key)
       ), created AS (
         -- In a fixed order: two writers creating the same keys cannot deadlock.
         INSERT INTO subject_keys (tenant_id, subject_id, key_id, wrapped_key)
         SELECT * FROM wanted ORDER BY tenant_id, subject_id
         ON CONFLICT DO NOTHING RETURNING key_id, tenant_id, subject_id, wrapped_key
       )
       SELECT *, true AS created FROM created
       UNION ALL
       SELECT stored.key_id, stored.tenant_id, stored.subject_id, stored.wrapped_key, false
         FROM subject_keys stored JOIN wanted USING (tenant_id, subject_id)`,
      [
        wanted.map((subject) => subject.tenantId),
        wanted.map((subject) => subject.subjectId),
        made.map((key) => key.id),
        wanted.map((subject, index) =>
          wrapKey(this.master.wrapping, made[index], wrapContext(subject.tenantId, subject.subjectId)),
        ),
      ],
    );
    const madeFor = new Map(wanted.map((subject, index) => [subjectKey(subject), made[index].key]));
    const created: Array<[string, DataKey]> = [];
    for (const row of rows) {
      const name = wrapContext(row.tenant_id, row.subject_id);
      if (!row.created) {
        found.set(name, this.remember(row, now, generation));
        continue;
      }
      // Its data key is the one made here: no need to unwrap what was just wrapped.
      const key = { id: row.key_id, key: madeFor.get(name)! };
      found.set(name, key);
      created.push([name, key]);
    }
    const rememberCreated = () => {
      if (this.generation !== generation) return;
      for (const [name, key] of created) {
        this.bySubject.set(name, key, now);
        this.byId.set(key.id, key, now);
      }
    };
    if (knex.isTransaction) (knex as Knex.Transaction).executionPromise.then(rememberCreated, () => undefined);
    else rememberCreated();
    // The statement's snapshot misses keys that another writer committed while it ran: those are read now.
    const late = wanted.filter((subject) => !found.has(subjectKey(subject)));
    if (late.length > 0)
      for (const row of await this.select(knex, late))
        found.set(wrapContext(row.tenant_id, row.subject_id), this.remember(row, now, generation));
    return found;
  }

  /** The keys with these ids that still exist (an erased subject's id is absent from the answer). */
  async keysById(knex: Knex, ids: Iterable<string>): Promise<Map<string, DataKey>> {
    const now = Date.now();
    const generation = this.generation;
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
    for (const row of rows) found.set(row.key_id, this.unwrapped(row, now, generation));
    return found;
  }

  /**
   * Destroys the subject's key inside the caller's transaction, forgets it here at once, and tells
   * every replica at commit to forget the keys it holds (this one too: a read running meanwhile may
   * have fetched the key again before the commit).
   */
  async destroy(trx: Knex.Transaction, subject: Subject): Promise<string | null> {
    const [row] = await trx('subject_keys')
      .where({ tenant_id: subject.tenantId, subject_id: subject.subjectId })
      .delete()
      .returning('key_id');
    await trx.raw('SELECT pg_notify(?, ?)', [ERASURE_CHANNEL, encodeCommitNotice(new Map([[subject.tenantId, '0']]))]);
    this.bySubject.delete(subjectKey(subject));
    if (row) this.byId.delete(row.key_id);
    return row?.key_id ?? null;
  }

  /** The stored key of a row, unwrapped, remembered for its subject. */
  private remember(row: KeyRow, now: number, generation: number): DataKey {
    const key = this.unwrapped(row, now, generation);
    if (this.generation === generation) this.bySubject.set(wrapContext(row.tenant_id, row.subject_id), key, now);
    return key;
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

  private unwrapped(row: KeyRow, now: number, generation: number): DataKey {
    const cached = this.byId.get(row.key_id, now);
    if (cached) return cached;
    const key = {
      id: row.key_id,
      key: unwrapKey(this.master.wrapping, row.wrapped_key, wrapContext(row.tenant_id, row.subject_id)),
    };
    if (this.generation === generation) this.byId.set(row.key_id, key, now);
    return key;
  }
}
