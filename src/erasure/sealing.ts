import type { Knex } from '@mikro-orm/postgresql';
import type { NewEvent, PersonalDataSealer } from '../events/new-event';
import type { PersonalFields, PersonalFieldSource } from '../events/redaction';
import { newDataKeys, seal, subjectBlindTerm, type DataKey } from './personal-cipher';
import type { Subject, SubjectKeys } from './subject-keys';
import { isPersonalChange, recordSubjectId, subjectName } from './subjects';

interface Plan {
  event: NewEvent;
  actor: Subject | null;
  record: Subject | null;
}

/**
 * Whether `subject` was erased after `event` was stored: an event stored in plaintext before an erasure
 * (sealed later by seal-stored.ts) must read as erased, not open under the key its subject has now.
 */
export type ErasedAfter = (event: NewEvent, subject: Subject) => boolean;

const NOT_ERASED: ErasedAfter = () => false;

/** A key no one keeps: what it seals reads as erased at once. */
const shreddedKey = (): DataKey => {
  const [made] = newDataKeys(1);
  return { id: made.id, key: made.key };
};

const hasActorData = (event: NewEvent) =>
  event.actor.email !== null || event.ipAddress !== null || event.userAgent !== null || event.location !== null;

/**
 * Seals the personal values of a batch before it is hashed: the actor's email, IP address, user agent
 * and location under the actor's key, the personal `changes` under the record's key. The keys of the
 * whole batch are fetched at once. Exact-match search keeps working on email and IP address through
 * blind index terms.
 */
export class Sealer implements PersonalDataSealer {
  constructor(
    private readonly keys: SubjectKeys,
    private readonly personalFields: () => PersonalFieldSource,
  ) {}

  async seal(knex: Knex, events: NewEvent[], erasedAfter: ErasedAfter = NOT_ERASED): Promise<void> {
    const plans: Plan[] = [];
    // Read once per batch and tenant, not cached: an event recorded after a field is marked is sealed.
    const marks = new Map<string, Promise<PersonalFields>>();
    const marksOf = (tenantId: string) => {
      let fields = marks.get(tenantId);
      if (!fields) marks.set(tenantId, (fields = this.personalFields().of(tenantId, knex)));
      return fields;
    };
    const subjects = new Map<string, Subject>();
    const want = (subject: Subject) => {
      subjects.set(subjectName(subject), subject);
      return subject;
    };
    for (const event of events) {
      const actor = hasActorData(event) ? want({ tenantId: event.tenantId, subjectId: event.actor.id }) : null;
      let record: Subject | null = null;
      if (event.entityType !== null && event.entityId !== null && event.changes.length > 0) {
        const personal = await marksOf(event.tenantId);
        if (event.changes.some((change) => isPersonalChange(personal, event.entityType!, change.field)))
          record = want({ tenantId: event.tenantId, subjectId: recordSubjectId(event.entityType, event.entityId) });
      }
      if (actor || record) plans.push({ event, actor, record });
    }
    if (plans.length === 0) return;
    const keys = await this.keys.keysFor(knex, [...subjects.values()]);
    const blind = this.keys.master.blindIndex;
    const shredded = new Map<string, DataKey>();
    /** The subject's key; one no one keeps when the subject was erased after the event was stored. */
    const keyOf = (subject: Subject, erased: boolean) => {
      const name = subjectName(subject);
      if (!erased) return keys.get(name)!;
      let key = shredded.get(name);
      if (!key) shredded.set(name, (key = shreddedKey()));
      return key;
    };
    for (const { event, actor, record } of plans) {
      const index: string[] = [];
      const { ipAddress, userAgent, location, changes } = event;
      event.sent = { actor: event.actor, ipAddress, userAgent, location, changes };
      if (actor) {
        const erased = erasedAfter(event, actor);
        const key = keyOf(actor, erased);
        // An erased actor's values get no terms: a search by its email or address finds nothing.
        const terms = erased ? [] : index;
        const { email } = event.actor;
        if (email !== null) {
          terms.push(
            subjectBlindTerm(key, blind, 'email', email),
            // Remembered by the whole email: no split of the address when the term is known.
            subjectBlindTerm(key, blind, 'emailLocalPart', email, () => email.split('@')[0]),
          );
          event.actor = { ...event.actor, email: seal(key, email) };
        }
        if (event.ipAddress !== null) {
          terms.push(subjectBlindTerm(key, blind, 'ip', event.ipAddress));
          event.ipAddress = seal(key, event.ipAddress);
        }
        if (event.userAgent !== null) event.userAgent = seal(key, event.userAgent);
        if (event.location !== null) event.location = seal(key, event.location);
      }
      if (record) sealChanges(event, keyOf(record, erasedAfter(event, record)), await marksOf(event.tenantId));
      event.personalIndex = index;
    }
  }
}

function sealChanges(event: NewEvent, key: DataKey, personal: PersonalFields): void {
  // A null stays null: that a value was absent is not personal, and it reads the same after an erasure.
  const sealed = (value: unknown) => (value === null || value === undefined ? null : seal(key, value));
  event.changes = event.changes.map((change) =>
    isPersonalChange(personal, event.entityType!, change.field)
      ? { field: change.field, oldValue: sealed(change.oldValue), newValue: sealed(change.newValue) }
      : change,
  );
}
