import type { AuditEvent } from '../../events/audit-event.type';
import { describeActor, refOf, summariesOf, type Detector } from './detection';

/** A role given as text, a list of roles, or an object holding them (`{ role: 'ADMIN' }`). */
function grantsAdmin(value: unknown, depth = 0): boolean {
  if (depth > 5 || value == null) return false;
  if (typeof value === 'string') return value.trim().toUpperCase() === 'ADMIN';
  if (Array.isArray(value)) return value.some((item) => grantsAdmin(item, depth + 1));
  if (typeof value === 'object') return Object.values(value).some((item) => grantsAdmin(item, depth + 1));
  return false;
}

function escalatedField(event: AuditEvent): string | null {
  if (event.action !== 'ROLE_CHANGE' && event.action !== 'PERMISSION_CHANGE') return null;
  const change = event.changes.find((item) => grantsAdmin(item.newValue) && !grantsAdmin(item.oldValue));
  return change ? change.field : null;
}

/** Each ROLE_CHANGE or PERMISSION_CHANGE whose new value grants ADMIN that the old one did not. */
export const permissionEscalation: Detector = async (rule, { newEvents }) =>
  newEvents.flatMap((event) => {
    const field = escalatedField(event);
    if (!field) return [];
    const target = [event.entityType, event.entityId].filter(Boolean).join(' ') || 'a record';
    return [
      {
        rule,
        groupKey: `actor:${event.actor.id}`,
        actorId: event.actor.id,
        ...summariesOf((masked) => `${describeActor(event, masked)} granted ADMIN to ${target} (${field})`),
        events: [refOf(event)],
        dedupeKey: event.id,
      },
    ];
  });
