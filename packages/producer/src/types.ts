/** The audit subgraph's `AuditEventInput` and its enums, as JSON (see its CONTRACT, "Writing events"). */

export type AuditAction =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'RESTORE'
  | 'MERGE'
  | 'CONVERT'
  | 'ASSIGN'
  | 'REVERT'
  | 'LOGIN'
  | 'LOGIN_FAILED'
  | 'LOGOUT'
  | 'PASSWORD_CHANGE'
  | 'MFA_ENROLL'
  | 'MFA_CHALLENGE'
  | 'SESSION_EXPIRED'
  | 'ACCOUNT_LOCKOUT'
  | 'IMPERSONATION'
  | 'EXPORT'
  | 'REPORT_EXPORT'
  | 'VIEW'
  | 'REPORT_RUN'
  | 'PERMISSION_CHANGE'
  | 'ROLE_CHANGE'
  | 'CONFIG_CHANGE'
  | 'RETENTION_CHANGE'
  | 'API_CALL'
  | 'TOKEN_CREATED'
  | 'RATE_LIMITED'
  | 'WEBHOOK_DELIVERY'
  | 'BULK_UPDATE'
  | 'BULK_DELETE'
  | 'BULK_IMPORT';

export const AUDIT_SOURCES = ['UI', 'API', 'AUTOMATION', 'IMPORT', 'INTEGRATION', 'SYSTEM'] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

export type ActorType = 'USER' | 'SERVICE' | 'SYSTEM';

export interface AuditActorInput {
  id: string;
  email?: string | null;
  role?: string | null;
  type?: ActorType;
  impersonatorId?: string | null;
}

export interface FieldChangeInput {
  field: string;
  oldValue?: unknown;
  newValue?: unknown;
}

export interface GeoLocationInput {
  country?: string | null;
  region?: string | null;
  city?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** One event as the subgraph takes it; the client fills `id` and `occurredAt`. */
export interface AuditEventInput {
  /** A UUID chosen here: sent again (a retry), it is stored once. */
  id: string;
  /** For SERVICE tokens writing for several tenants, and required on NATS (the subject names it). */
  tenantId?: string;
  /** ISO 8601. */
  occurredAt: string;
  actor: AuditActorInput;
  action: AuditAction;
  entityType?: string | null;
  entityId?: string | null;
  changes?: FieldChangeInput[];
  /** With `after`, instead of `changes`: the subgraph computes the field diff. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  source?: AuditSource;
  ipAddress?: string | null;
  userAgent?: string | null;
  sessionId?: string | null;
  location?: GeoLocationInput | null;
  metadata?: Record<string, unknown> | null;
}

/** What a producer gives the client: `id` and `occurredAt` are filled in when absent. */
export type AuditEventDraft = Omit<AuditEventInput, 'id' | 'occurredAt'> & {
  id?: string;
  occurredAt?: string | Date;
};
