import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from './audit-event.input';
import { ActorType, AuditSource, categoryOfAction, RECORD_COUNT_ACTIONS } from './enums';
import { canonicalContent, type CanonicalParts } from './canonical-content';
import { contentDigest, fingerprint } from './event-hash';
import { isUuid } from '../ids';
import { changesOf } from './input-changes';
import { failInput } from './input-problem';
import { normalizeIpAddress } from '../ip-address';
import { jsonProblem } from './json-checks';
import { EVENT_LIMITS as L } from './limits';
import type { NewEvent } from './new-event';
import { checkLocation, textProblem } from './text-checks';

const ENTITY_TYPE = /^[A-Za-z][A-Za-z0-9_]*$/;
const NO_CONTENT_YET: CanonicalParts = { changes: '', location: '', metadata: '' };
const NOTHING_INDEXED: string[] = [];

function checkField(index: number, field: string, value: string | null | undefined, max: number, required = false) {
  const problem = textProblem(value, max, required);
  if (problem) failInput(index, field, problem);
}

/**
 * Validates one input and turns it into a `NewEvent` still to be digested (`digestEvent`), after
 * its personal values are sealed.
 * @throws BadUserInputError naming `events[index].<field>`.
 */
export function draftEvent(input: AuditEventInput, index: number, tenantId: string, now: Date): NewEvent {
  if (input.id != null && !isUuid(input.id)) failInput(index, 'id', 'must be a UUID');
  const occurredAt = input.occurredAt ?? now;
  if (Number.isNaN(occurredAt.getTime())) failInput(index, 'occurredAt', 'is not a date');
  if (occurredAt.getTime() > now.getTime() + L.maxFutureSkewMs)
    failInput(index, 'occurredAt', 'is more than 5 minutes in the future');
  if (occurredAt < L.earliestOccurredAt)
    failInput(index, 'occurredAt', `is before ${L.earliestOccurredAt.toISOString()}`);

  const { actor } = input;
  checkField(index, 'actor.id', actor.id, L.maxIdLength, true);
  checkField(index, 'actor.email', actor.email, L.maxEmailLength);
  checkField(index, 'actor.role', actor.role, L.maxRoleLength);
  checkField(index, 'actor.impersonatorId', actor.impersonatorId, L.maxIdLength);
  checkField(index, 'entityType', input.entityType, L.maxEntityTypeLength);
  if (input.entityType != null && !ENTITY_TYPE.test(input.entityType))
    failInput(index, 'entityType', 'must be a type name such as Lead');
  checkField(index, 'entityId', input.entityId, L.maxIdLength);
  checkField(index, 'userAgent', input.userAgent, L.maxUserAgentLength);
  checkField(index, 'sessionId', input.sessionId, L.maxIdLength);
  const location = input.location == null ? null : checkLocation(input.location, `events[${index}].location`);

  let ipAddress: string | null = null;
  if (input.ipAddress != null)
    ipAddress = normalizeIpAddress(input.ipAddress) ?? failInput(index, 'ipAddress', 'is not an IPv4 or IPv6 address');

  const changes = changesOf(input, index);
  if (input.metadata != null) {
    const problem = jsonProblem(input.metadata, L.maxMetadataBytes, L.maxJsonDepth);
    if (problem) failInput(index, 'metadata', problem);
    if (RECORD_COUNT_ACTIONS.has(input.action)) {
      const count = (input.metadata as { recordCount?: unknown }).recordCount;
      if (
        count !== undefined &&
        !(Number.isInteger(count) && (count as number) >= 0 && (count as number) <= L.maxRecordCount)
      )
        failInput(index, 'metadata.recordCount', `must be an integer from 0 to ${L.maxRecordCount}`);
    }
  }

  const event: NewEvent = {
    id: (input.id ?? randomUUID()).toLowerCase(),
    tenantId,
    occurredAt,
    actor: {
      id: actor.id,
      email: actor.email ?? null,
      role: actor.role ?? null,
      type: actor.type ?? ActorType.USER,
      impersonatorId: actor.impersonatorId ?? null,
    },
    action: input.action,
    category: categoryOfAction(input.action),
    entityType: input.entityType ?? null,
    entityId: input.entityId ?? null,
    changes,
    source: input.source ?? AuditSource.API,
    ipAddress,
    userAgent: input.userAgent ?? null,
    sessionId: input.sessionId ?? null,
    location,
    metadata: input.metadata ?? null,
    content: NO_CONTENT_YET,
    digest: '',
    fingerprint: '',
    personalIndex: NOTHING_INDEXED,
  };
  return event;
}

/** Fills in the content, digest and fingerprint of a drafted event, as stored; returns it. */
export function digestEvent(event: NewEvent, input: AuditEventInput): NewEvent {
  // Serialised and digested once: the fingerprint, the chain hash and the stored row all use it.
  // Filled in place: a copy of this 19-field object per event would be garbage the batch does not need.
  // The whole text is only digested: not kept, it is garbage at once rather than for the request's life.
  const { text, ...parts } = canonicalContent(event);
  event.content = parts;
  event.digest = contentDigest(text);
  event.fingerprint = fingerprint(event.digest, input.id ?? null, input.occurredAt ?? null);
  return event;
}
