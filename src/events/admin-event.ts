import type { Principal } from '../auth/principal';
import type { AuditEvent } from './audit-event.type';
import type { AuditEventInput } from './audit-event.input';
import { ActorType, type AuditAction, AuditSource } from './enums';
import { recordEvents, type EventWriter } from './record-events';
import type { FieldDiff } from './field-diff';

/** An admin acting through this service, as the actor of the event that records it. */
export const adminActor = (admin: Principal): AuditEventInput['actor'] => ({
  id: admin.subject,
  email: admin.email,
  role: admin.role,
  type: ActorType.USER,
});

export interface AdminEvent {
  action: AuditAction;
  entityType: string;
  entityId: string;
  changes: FieldDiff[];
  metadata: Record<string, unknown>;
}

/**
 * Records an event of what an admin did through this service that is not a change of its own
 * settings (those go through `withConfigChange`): a revert applied by another subgraph.
 */
export async function recordAdminEvent(writer: EventWriter, admin: Principal, event: AdminEvent): Promise<AuditEvent> {
  const input: AuditEventInput = {
    actor: adminActor(admin),
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    changes: event.changes,
    source: AuditSource.API,
    metadata: event.metadata,
  };
  const result = await recordEvents(writer, admin, [input]);
  return result.events[0];
}
