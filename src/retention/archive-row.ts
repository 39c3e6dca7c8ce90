import { canonicalContent } from '../events/canonical-content';
import { NOTHING_REDACTED, type AuditEventRow } from '../events/event-row';
import type { AuditEvent } from '../events/audit-event.type';

/**
 * One archived event, as a Parquet row: the instants as the chain hashed them, the JSON parts as
 * the canonical JSON that was hashed, the event's hash and its predecessor's (hex), so that every
 * row can be re-hashed without the database.
 */
export interface ArchiveRow {
  tenant_id: string;
  sequence: bigint;
  id: string;
  occurred_at: string;
  occurred_us: bigint;
  recorded_at: string;
  actor_id: string;
  actor_email: string | null;
  actor_role: string | null;
  actor_type: string;
  impersonator_id: string | null;
  action: string;
  category: string;
  entity_type: string | null;
  entity_id: string | null;
  changes: string;
  changed_fields: string[];
  source: string;
  ip_address: string | null;
  user_agent: string | null;
  session_id: string | null;
  location: string;
  metadata: string;
  hash: string;
  previous_hash: string;
}

/** The Parquet schema, in column order (DuckDB types). */
export const ARCHIVE_COLUMNS: ReadonlyArray<[keyof ArchiveRow, string]> = [
  ['tenant_id', 'VARCHAR'],
  ['sequence', 'BIGINT'],
  ['id', 'VARCHAR'],
  ['occurred_at', 'VARCHAR'],
  ['occurred_us', 'BIGINT'],
  ['recorded_at', 'VARCHAR'],
  ['actor_id', 'VARCHAR'],
  ['actor_email', 'VARCHAR'],
  ['actor_role', 'VARCHAR'],
  ['actor_type', 'VARCHAR'],
  ['impersonator_id', 'VARCHAR'],
  ['action', 'VARCHAR'],
  ['category', 'VARCHAR'],
  ['entity_type', 'VARCHAR'],
  ['entity_id', 'VARCHAR'],
  ['changes', 'VARCHAR'],
  ['changed_fields', 'VARCHAR[]'],
  ['source', 'VARCHAR'],
  ['ip_address', 'VARCHAR'],
  ['user_agent', 'VARCHAR'],
  ['session_id', 'VARCHAR'],
  ['location', 'VARCHAR'],
  ['metadata', 'VARCHAR'],
  ['hash', 'VARCHAR'],
  ['previous_hash', 'VARCHAR'],
];

/** The event an archive row holds, as the verifier and the chain hash see it. */
export function eventOfArchiveRow(row: ArchiveRow): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sequence: String(row.sequence),
    occurredAt: new Date(row.occurred_at),
    recordedAt: new Date(row.recorded_at),
    actor: {
      id: row.actor_id,
      email: row.actor_email,
      role: row.actor_role,
      type: row.actor_type as AuditEvent['actor']['type'],
      impersonatorId: row.impersonator_id,
    },
    action: row.action as AuditEvent['action'],
    category: row.category as AuditEvent['category'],
    entityType: row.entity_type,
    entityId: row.entity_id,
    changes: JSON.parse(row.changes),
    source: row.source as AuditEvent['source'],
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    sessionId: row.session_id,
    location: JSON.parse(row.location),
    metadata: JSON.parse(row.metadata),
    redactedFields: NOTHING_REDACTED,
  };
}

/** An event in the live table's row shape, so that pages of live and archived events are built alike. */
export function liveRowOfArchiveRow(row: ArchiveRow): AuditEventRow {
  const event = eventOfArchiveRow(row);
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    sequence: String(row.sequence),
    occurred_at: row.occurred_at,
    occurred_us: String(row.occurred_us),
    recorded_at: row.recorded_at,
    actor_id: row.actor_id,
    actor_email: row.actor_email,
    actor_role: row.actor_role,
    actor_type: event.actor.type,
    impersonator_id: row.impersonator_id,
    action: event.action,
    category: event.category,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    changes: event.changes,
    source: event.source,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    session_id: row.session_id,
    location: event.location,
    metadata: event.metadata,
  };
}

/** The archive row of a live event (its instants already as the chain hashed them). */
export function archiveRowOf(
  event: AuditEvent,
  occurredUs: string,
  changedFields: string[],
  hash: string,
  previousHash: string,
): ArchiveRow {
  const content = canonicalContent(event);
  return {
    tenant_id: event.tenantId,
    sequence: BigInt(event.sequence),
    id: event.id,
    occurred_at: event.occurredAt.toISOString(),
    occurred_us: BigInt(occurredUs),
    recorded_at: event.recordedAt.toISOString(),
    actor_id: event.actor.id,
    actor_email: event.actor.email,
    actor_role: event.actor.role,
    actor_type: event.actor.type,
    impersonator_id: event.actor.impersonatorId,
    action: event.action,
    category: event.category,
    entity_type: event.entityType,
    entity_id: event.entityId,
    changes: content.changes,
    changed_fields: changedFields,
    source: event.source,
    ip_address: event.ipAddress,
    user_agent: event.userAgent,
    session_id: event.sessionId,
    location: content.location,
    metadata: content.metadata,
    hash,
    previous_hash: previousHash,
  };
}
