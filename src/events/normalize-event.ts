import { randomUUID } from 'node:crypto';
import { BadUserInputError } from '../errors';
import type { AuditEventInput } from './audit-event.input';
import { ActorType, AuditSource, categoryOfAction, RECORD_COUNT_ACTIONS } from './enums';
import { fingerprint } from './event-hash';
import { diffRecords, type FieldDiff } from './field-diff';
import { normalizeIpAddress } from './ip-address';
import { jsonProblem } from './json-checks';
import { EVENT_LIMITS as L } from './limits';
import type { NewEvent } from './new-event';
import { checkLocation, checkText } from './text-checks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENTITY_TYPE = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Validates one input and turns it into a `NewEvent`.
 * @throws BadUserInputError naming `events[index].<field>`.
 */
export function normalizeEvent(input: AuditEventInput, index: number, tenantId: string, now: Date): NewEvent {
  const at = (field: string) => `events[${index}].${field}`;
  const fail = (field: string, problem: string): never => {
    throw new BadUserInputError(at(field), problem);
  };

  if (input.id != null && !UUID.test(input.id)) fail('id', 'must be a UUID');
  const occurredAt = input.occurredAt ?? now;
  if (Number.isNaN(occurredAt.getTime())) fail('occurredAt', 'is not a date');
  if (occurredAt.getTime() > now.getTime() + L.maxFutureSkewMs)
    fail('occurredAt', 'is more than 5 minutes in the future');
  if (occurredAt < L.earliestOccurredAt) fail('occurredAt', `is before ${L.earliestOccurredAt.toISOString()}`);

  checkText(input.actor.id, L.maxIdLength, at('actor.id'), { required: true });
  checkText(input.actor.email, L.maxEmailLength, at('actor.email'));
  checkText(input.actor.role, L.maxRoleLength, at('actor.role'));
  checkText(input.actor.impersonatorId, L.maxIdLength, at('actor.impersonatorId'));
  checkText(input.entityType, L.maxEntityTypeLength, at('entityType'));
  if (input.entityType != null && !ENTITY_TYPE.test(input.entityType))
    fail('entityType', 'must be a type name such as Lead');
  checkText(input.entityId, L.maxIdLength, at('entityId'));
  checkText(input.userAgent, L.maxUserAgentLength, at('userAgent'));
  checkText(input.sessionId, L.maxIdLength, at('sessionId'));
  const location = checkLocation(input.location, at('location'));

  let ipAddress: string | null = null;
  if (input.ipAddress != null)
    ipAddress = normalizeIpAddress(input.ipAddress) ?? fail('ipAddress', 'is not an IPv4 or IPv6 address');

  const changes = changesOf(input, at, fail);
  if (input.metadata != null) {
    const problem = jsonProblem(input.metadata, L.maxMetadataBytes, L.maxJsonDepth);
    if (problem) fail('metadata', problem);
    if (RECORD_COUNT_ACTIONS.has(input.action)) {
      const count = (input.metadata as { recordCount?: unknown }).recordCount;
      if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0))
        fail('metadata.recordCount', 'must be a non-negative integer');
    }
  }

  const actor = {
    id: input.actor.id,
    email: input.actor.email ?? null,
    role: input.actor.role ?? null,
    type: input.actor.type ?? ActorType.USER,
    impersonatorId: input.actor.impersonatorId ?? null,
  };
  const event: Omit<NewEvent, 'fingerprint' | 'id'> = {
    tenantId,
    occurredAt,
    actor,
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
  };
  // Hash what the producer sent: a resend without occurredAt must match the first send.
  const sent = { ...event, occurredAt: input.occurredAt?.toISOString() ?? null, id: input.id ?? null };
  return { ...event, id: (input.id ?? randomUUID()).toLowerCase(), fingerprint: fingerprint(sent) };
}

function changesOf(
  input: AuditEventInput,
  at: (field: string) => string,
  fail: (field: string, problem: string) => never,
): FieldDiff[] {
  const hasSnapshots = input.before !== undefined || input.after !== undefined;
  if (hasSnapshots && input.changes != null) fail('changes', 'give either changes or before/after, not both');
  let changes: FieldDiff[];
  if (hasSnapshots) {
    for (const side of ['before', 'after'] as const) {
      const value = input[side];
      if (value != null && (typeof value !== 'object' || Array.isArray(value))) fail(side, 'must be an object');
      const problem = value == null ? null : jsonProblem(value, L.maxSnapshotBytes, L.maxJsonDepth);
      if (problem) fail(side, problem);
    }
    changes = diffRecords(input.before, input.after);
  } else {
    changes = (input.changes ?? []).map((change) => ({
      field: change.field,
      oldValue: change.oldValue ?? null,
      newValue: change.newValue ?? null,
    }));
  }
  if (changes.length > L.maxChanges) fail('changes', `has more than ${L.maxChanges} fields`);
  const seen = new Set<string>();
  changes.forEach((change, i) => {
    checkText(change.field, L.maxFieldNameLength, at(`changes[${i}].field`), { required: true });
    if (seen.has(change.field)) fail(`changes[${i}].field`, `names "${change.field}" twice`);
    seen.add(change.field);
    for (const side of ['oldValue', 'newValue'] as const) {
      const problem = jsonProblem(change[side], L.maxValueBytes, L.maxJsonDepth);
      if (problem) fail(`changes[${i}].${side}`, problem);
    }
  });
  return changes;
}
