import type { AuditEvent } from '../../events/audit-event.type';
import { AuditAction } from '../../events/enums';

/** The OCSF schema version the documents follow. */
export const OCSF_VERSION = '1.3.0';

interface OcsfClass {
  uid: number;
  name: string;
  categoryUid: number;
  categoryName: string;
}

const IAM = { categoryUid: 3, categoryName: 'Identity & Access Management' };
const APPLICATION = { categoryUid: 6, categoryName: 'Application Activity' };
const ACCOUNT_CHANGE: OcsfClass = { uid: 3001, name: 'Account Change', ...IAM };
const AUTHENTICATION: OcsfClass = { uid: 3002, name: 'Authentication', ...IAM };
const ENTITY_MANAGEMENT: OcsfClass = { uid: 3004, name: 'Entity Management', ...IAM };
const USER_ACCESS: OcsfClass = { uid: 3005, name: 'User Access Management', ...IAM };
const API_ACTIVITY: OcsfClass = { uid: 6003, name: 'API Activity', ...APPLICATION };

const OTHER = { id: 99, name: 'Other' };

/** Each action's class and activity, from the classes' activity_id enumerations. */
const ACTIVITIES: Record<AuditAction, { class: OcsfClass; id: number; name: string }> = {
  // Authentication: 1 Logon, 2 Logoff.
  LOGIN: { class: AUTHENTICATION, id: 1, name: 'Logon' },
  LOGIN_FAILED: { class: AUTHENTICATION, id: 1, name: 'Logon' },
  LOGOUT: { class: AUTHENTICATION, id: 2, name: 'Logoff' },
  SESSION_EXPIRED: { class: AUTHENTICATION, id: 2, name: 'Logoff' },
  MFA_CHALLENGE: { class: AUTHENTICATION, id: 1, name: 'Logon' },
  IMPERSONATION: { class: AUTHENTICATION, ...OTHER },
  // Account Change: 3 Password Change, 9 Lock, 10 MFA Factor Enable.
  PASSWORD_CHANGE: { class: ACCOUNT_CHANGE, id: 3, name: 'Password Change' },
  ACCOUNT_LOCKOUT: { class: ACCOUNT_CHANGE, id: 9, name: 'Lock' },
  MFA_ENROLL: { class: ACCOUNT_CHANGE, id: 10, name: 'MFA Factor Enable' },
  TOKEN_CREATED: { class: ACCOUNT_CHANGE, ...OTHER },
  // User Access Management: 1 Assign Privileges.
  PERMISSION_CHANGE: { class: USER_ACCESS, id: 1, name: 'Assign Privileges' },
  ROLE_CHANGE: { class: USER_ACCESS, id: 1, name: 'Assign Privileges' },
  // Entity Management (the service's own settings): 3 Update.
  CONFIG_CHANGE: { class: ENTITY_MANAGEMENT, id: 3, name: 'Update' },
  RETENTION_CHANGE: { class: ENTITY_MANAGEMENT, id: 3, name: 'Update' },
  // API Activity (the CRM's records): 1 Create, 2 Read, 3 Update, 4 Delete.
  CREATE: { class: API_ACTIVITY, id: 1, name: 'Create' },
  UPDATE: { class: API_ACTIVITY, id: 3, name: 'Update' },
  DELETE: { class: API_ACTIVITY, id: 4, name: 'Delete' },
  RESTORE: { class: API_ACTIVITY, id: 3, name: 'Update' },
  MERGE: { class: API_ACTIVITY, id: 3, name: 'Update' },
  CONVERT: { class: API_ACTIVITY, id: 3, name: 'Update' },
  ASSIGN: { class: API_ACTIVITY, id: 3, name: 'Update' },
  REVERT: { class: API_ACTIVITY, id: 3, name: 'Update' },
  BULK_UPDATE: { class: API_ACTIVITY, id: 3, name: 'Update' },
  BULK_DELETE: { class: API_ACTIVITY, id: 4, name: 'Delete' },
  BULK_IMPORT: { class: API_ACTIVITY, id: 1, name: 'Create' },
  VIEW: { class: API_ACTIVITY, id: 2, name: 'Read' },
  REPORT_RUN: { class: API_ACTIVITY, id: 2, name: 'Read' },
  EXPORT: { class: API_ACTIVITY, id: 2, name: 'Read' },
  REPORT_EXPORT: { class: API_ACTIVITY, id: 2, name: 'Read' },
  API_CALL: { class: API_ACTIVITY, ...OTHER },
  RATE_LIMITED: { class: API_ACTIVITY, ...OTHER },
  WEBHOOK_DELIVERY: { class: API_ACTIVITY, ...OTHER },
};

const FAILED: ReadonlySet<AuditAction> = new Set([AuditAction.LOGIN_FAILED, AuditAction.RATE_LIMITED]);

/** OCSF `severity_id`: 1 Informational, 3 Medium (security events that failed or lock out). */
const severityOf = (action: AuditAction) =>
  FAILED.has(action) || action === AuditAction.ACCOUNT_LOCKOUT
    ? { id: 3, name: 'Medium' }
    : { id: 1, name: 'Informational' };

const user = (event: AuditEvent) => ({
  uid: event.actor.id,
  ...(event.actor.email ? { email_addr: event.actor.email } : {}),
  type_id: event.actor.type === 'USER' ? 1 : 99,
  type: event.actor.type === 'USER' ? 'User' : 'Other',
});

const resource = (event: AuditEvent) =>
  event.entityType || event.entityId ? { uid: event.entityId ?? undefined, type: event.entityType ?? undefined } : null;

/** The fields only one class has: each class's required objects. */
function classFields(event: AuditEvent, ocsfClass: OcsfClass): Record<string, unknown> {
  const target = resource(event);
  switch (ocsfClass.uid) {
    case AUTHENTICATION.uid:
      return {
        user: user(event),
        is_mfa: event.action === AuditAction.MFA_CHALLENGE,
        ...(event.sessionId ? { session: { uid: event.sessionId } } : {}),
      };
    case ACCOUNT_CHANGE.uid:
      return { user: target?.type === 'User' && target.uid ? { uid: target.uid } : user(event) };
    case USER_ACCESS.uid:
      return {
        user: target?.type === 'User' && target.uid ? { uid: target.uid } : user(event),
        privileges: event.changes.map((change) => `${change.field}=${JSON.stringify(change.newValue)}`),
      };
    case ENTITY_MANAGEMENT.uid:
      return {
        entity: {
          uid: event.entityId ?? undefined,
          type: event.entityType ?? undefined,
          name: event.entityType ?? undefined,
        },
      };
    default:
      return {
        api: { operation: event.action, service: { name: 'audit-subgraph' } },
        resources: target ? [target] : [],
      };
  }
}

/**
 * The event as an OCSF 1.3 event of the class its action belongs to (Authentication 3002, Account Change 3001,
 * User Access Management 3005, Entity Management 3004 for the service's own settings, API Activity 6003 for the
 * CRM's records), with `type_uid = class_uid * 100 + activity_id`. What OCSF has no attribute for is in `unmapped`.
 */
export function ocsfDocument(event: AuditEvent): Record<string, unknown> {
  const activity = ACTIVITIES[event.action];
  const ocsfClass = activity.class;
  const failed = FAILED.has(event.action);
  const severity = severityOf(event.action);
  return {
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: ocsfClass.categoryUid,
    category_name: ocsfClass.categoryName,
    class_uid: ocsfClass.uid,
    class_name: ocsfClass.name,
    type_uid: ocsfClass.uid * 100 + activity.id,
    type_name: `${ocsfClass.name}: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    time: event.occurredAt.getTime(),
    message: `${event.action} by ${event.actor.email ?? event.actor.id}`,
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      sequence: Number(event.sequence),
      logged_time: event.recordedAt.getTime(),
      tenant_uid: event.tenantId,
      product: { name: 'audit-subgraph', vendor_name: 'CRM', feature: { name: event.source } },
    },
    actor: {
      user: user(event),
      ...(event.sessionId ? { session: { uid: event.sessionId } } : {}),
      ...(event.actor.impersonatorId ? { invoked_by: event.actor.impersonatorId } : {}),
    },
    ...(event.ipAddress || event.location
      ? {
          src_endpoint: {
            ...(event.ipAddress ? { ip: event.ipAddress } : {}),
            ...(event.location
              ? {
                  location: {
                    city: event.location.city ?? undefined,
                    country: event.location.country ?? undefined,
                    region: event.location.region ?? undefined,
                    lat: event.location.latitude ?? undefined,
                    long: event.location.longitude ?? undefined,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(event.userAgent ? { http_request: { user_agent: event.userAgent } } : {}),
    ...classFields(event, ocsfClass),
    unmapped: {
      action: event.action,
      category: event.category,
      ...(event.actor.role ? { actor_role: event.actor.role } : {}),
      ...(event.changes.length > 0 ? { changes: event.changes } : {}),
      ...(event.metadata !== null && event.metadata !== undefined ? { metadata: event.metadata } : {}),
    },
  };
}
