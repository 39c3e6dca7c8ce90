import type { AuditEvent } from '../../events/audit-event.type';
import { AuditAction } from '../../events/enums';

/** The ECS version the documents follow. */
export const ECS_VERSION = '8.11.0';

/** ECS `event.category` and `event.type` per action, from the allowed values of ECS 8.11. */
const CATEGORIZATION: Record<AuditAction, { category: string[]; type: string[] }> = {
  LOGIN: { category: ['authentication', 'session'], type: ['start'] },
  LOGIN_FAILED: { category: ['authentication'], type: ['start'] },
  LOGOUT: { category: ['authentication', 'session'], type: ['end'] },
  SESSION_EXPIRED: { category: ['session'], type: ['end'] },
  MFA_CHALLENGE: { category: ['authentication'], type: ['info'] },
  IMPERSONATION: { category: ['authentication', 'session'], type: ['start', 'admin'] },
  PASSWORD_CHANGE: { category: ['iam'], type: ['user', 'change'] },
  ACCOUNT_LOCKOUT: { category: ['iam'], type: ['user', 'change'] },
  MFA_ENROLL: { category: ['iam'], type: ['user', 'change'] },
  TOKEN_CREATED: { category: ['iam'], type: ['user', 'creation'] },
  PERMISSION_CHANGE: { category: ['iam'], type: ['user', 'change', 'admin'] },
  ROLE_CHANGE: { category: ['iam'], type: ['user', 'group', 'change', 'admin'] },
  CONFIG_CHANGE: { category: ['configuration'], type: ['change'] },
  RETENTION_CHANGE: { category: ['configuration'], type: ['change'] },
  CREATE: { category: ['database'], type: ['creation'] },
  UPDATE: { category: ['database'], type: ['change'] },
  DELETE: { category: ['database'], type: ['deletion'] },
  RESTORE: { category: ['database'], type: ['change'] },
  MERGE: { category: ['database'], type: ['change'] },
  CONVERT: { category: ['database'], type: ['change'] },
  ASSIGN: { category: ['database'], type: ['change'] },
  REVERT: { category: ['database'], type: ['change'] },
  BULK_UPDATE: { category: ['database'], type: ['change'] },
  BULK_DELETE: { category: ['database'], type: ['deletion'] },
  BULK_IMPORT: { category: ['database'], type: ['creation'] },
  VIEW: { category: ['database'], type: ['access'] },
  REPORT_RUN: { category: ['database'], type: ['access'] },
  EXPORT: { category: ['database'], type: ['access'] },
  REPORT_EXPORT: { category: ['database'], type: ['access'] },
  API_CALL: { category: ['web'], type: ['access'] },
  RATE_LIMITED: { category: ['web'], type: ['denied'] },
  WEBHOOK_DELIVERY: { category: ['web'], type: ['info'] },
};

const FAILED: ReadonlySet<AuditAction> = new Set([AuditAction.LOGIN_FAILED, AuditAction.RATE_LIMITED]);

/**
 * The event as an ECS 8.11 document: `@timestamp`, `event.*` (kind, category, type, action, outcome, id,
 * sequence), `user.*`, `source.ip` and `source.geo.*`, `user_agent.original`, `related.*`; the CRM record in
 * `labels` and, with the field changes, under `audit` (a custom field set, as ECS advises for what it lacks).
 */
export function ecsDocument(event: AuditEvent): Record<string, unknown> {
  const { category, type } = CATEGORIZATION[event.action];
  const location = event.location;
  const geo =
    location &&
    Object.fromEntries(
      Object.entries({
        country_iso_code: location.country,
        region_name: location.region,
        city_name: location.city,
        location:
          location.latitude !== null && location.longitude !== null && location.latitude !== undefined
            ? { lat: location.latitude, lon: location.longitude }
            : null,
      }).filter(([, value]) => value !== null && value !== undefined),
    );
  return {
    '@timestamp': event.occurredAt.toISOString(),
    ecs: { version: ECS_VERSION },
    message: `${event.action} by ${event.actor.email ?? event.actor.id}`,
    event: {
      id: event.id,
      sequence: Number(event.sequence),
      kind: 'event',
      category,
      type,
      action: event.action.toLowerCase(),
      outcome: FAILED.has(event.action) ? 'failure' : 'success',
      created: event.recordedAt.toISOString(),
      dataset: 'audit_subgraph.audit',
      provider: event.source.toLowerCase(),
    },
    user: {
      id: event.actor.id,
      ...(event.actor.email ? { email: event.actor.email } : {}),
      ...(event.actor.role ? { roles: [event.actor.role] } : {}),
      ...(event.entityType === 'User' && event.entityId ? { target: { id: event.entityId } } : {}),
      ...(event.actor.impersonatorId ? { changes: { id: event.actor.impersonatorId } } : {}),
    },
    organization: { id: event.tenantId },
    ...(event.ipAddress ? { source: { ip: event.ipAddress, ...(geo ? { geo } : {}) } } : {}),
    ...(event.userAgent ? { user_agent: { original: event.userAgent } } : {}),
    related: {
      user: [event.actor.id, ...(event.actor.impersonatorId ? [event.actor.impersonatorId] : [])],
      ...(event.ipAddress ? { ip: [event.ipAddress] } : {}),
    },
    labels: {
      actor_type: event.actor.type,
      ...(event.entityType ? { entity_type: event.entityType } : {}),
      ...(event.entityId ? { entity_id: event.entityId } : {}),
      ...(event.sessionId ? { session_id: event.sessionId } : {}),
    },
    audit: {
      category: event.category,
      ...(event.changes.length > 0 ? { changes: event.changes } : {}),
      ...(event.metadata !== null && event.metadata !== undefined ? { metadata: event.metadata } : {}),
    },
  };
}
