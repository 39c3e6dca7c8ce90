import { PERSON_ENTITY_TYPE } from '../core/sealed-values';
import type { PersonalFields } from '../events/redaction';
import type { Subject } from './subject-keys';

/**
 * Whose personal data an event's actor columns (email, IP address, user agent, location) are: the actor's.
 * Whose its personal `changes` are: the record's; a `User` record is its id (the same subject as the
 * actor with that id), any other record `Type:id`.
 */
export function recordSubjectId(entityType: string, entityId: string): string {
  return entityType === PERSON_ENTITY_TYPE ? entityId : `${entityType}:${entityId}`;
}

/** Whether a change of `field` on a record of `entityType` holds personal data of the record's subject. */
export function isPersonalChange(personal: PersonalFields, entityType: string, field: string): boolean {
  if (entityType === PERSON_ENTITY_TYPE) return true;
  return !!personal.get(entityType)?.some((marked) => field === marked || field.startsWith(`${marked}.`));
}

export const subjectName = (subject: Subject): string => `${subject.tenantId}\u0000${subject.subjectId}`;
