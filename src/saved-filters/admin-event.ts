import type { Principal } from '../auth/principal';
import type { AuditEvent } from '../events/audit-event.type';
import type { AuditEventInput } from '../events/audit-event.input';
import { ActorType, type AuditAction, AuditSource } from '../events/enums';
import { recordEvents, type EventWriter } from '../events/record-events';
import type { FieldDiff } from '../events/field-diff';

export interface AdminEvent {
  action: AuditAction;
  entityType: string;
  entityId: string;
  changes: FieldDiff[];
  metadata: Record<string, unknown>;
}

/**
 * Records an event of what an admin did through this service itself (saved filters, reverts),
 * with the admin as actor, in the admin's tenant.
 */
export async function recordAdminEvent(writer: EventWriter, admin: Principal, event: AdminEvent): Promise<AuditEvent> {
  const input: AuditEventInput = {
    actor: { id: admin.subject, email: admin.email, role: admin.role, type: ActorType.USER },
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    changes: event.changes,
    source: AuditSource.API,
    metadata: event.metadata,
  };
  const result = await recordEvents(writer, admin, [input]);
  return result.events[0]!;
}
