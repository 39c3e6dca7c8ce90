import type { AuditEvent } from '../../events/audit-event.type';

/** The event as `auditEvents` shows it (instants in ISO-8601). */
export function nativeDocument(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    tenantId: event.tenantId,
    sequence: event.sequence,
    occurredAt: event.occurredAt.toISOString(),
    recordedAt: event.recordedAt.toISOString(),
    actor: event.actor,
    action: event.action,
    category: event.category,
    entityType: event.entityType,
    entityId: event.entityId,
    changes: event.changes,
    source: event.source,
    ipAddress: event.ipAddress,
    userAgent: event.userAgent,
    sessionId: event.sessionId,
    location: event.location,
    metadata: event.metadata ?? null,
    redactedFields: event.redactedFields,
  };
}
