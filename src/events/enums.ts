/** The contract's enums, as TypeScript string enums whose values equal their names. */
export enum ActorType {
  USER = 'USER',
  SERVICE = 'SERVICE',
  SYSTEM = 'SYSTEM',
}

export enum AuditSource {
  UI = 'UI',
  API = 'API',
  AUTOMATION = 'AUTOMATION',
  IMPORT = 'IMPORT',
  INTEGRATION = 'INTEGRATION',
  SYSTEM = 'SYSTEM',
}

export enum AuditCategory {
  RECORD_CHANGE = 'RECORD_CHANGE',
  SECURITY = 'SECURITY',
  DATA_EXPORT = 'DATA_EXPORT',
  DATA_ACCESS = 'DATA_ACCESS',
  CONFIG = 'CONFIG',
  API_ACCESS = 'API_ACCESS',
  BULK_OPERATION = 'BULK_OPERATION',
}

const actionsByCategory = {
  [AuditCategory.RECORD_CHANGE]: ['CREATE', 'UPDATE', 'DELETE', 'RESTORE', 'MERGE', 'CONVERT', 'ASSIGN', 'REVERT'],
  [AuditCategory.SECURITY]: [
    'LOGIN',
    'LOGIN_FAILED',
    'LOGOUT',
    'PASSWORD_CHANGE',
    'MFA_ENROLL',
    'MFA_CHALLENGE',
    'SESSION_EXPIRED',
    'ACCOUNT_LOCKOUT',
    'IMPERSONATION',
  ],
  [AuditCategory.DATA_EXPORT]: ['EXPORT', 'REPORT_EXPORT'],
  [AuditCategory.DATA_ACCESS]: ['VIEW', 'REPORT_RUN'],
  [AuditCategory.CONFIG]: ['PERMISSION_CHANGE', 'ROLE_CHANGE', 'CONFIG_CHANGE', 'RETENTION_CHANGE'],
  [AuditCategory.API_ACCESS]: ['API_CALL', 'TOKEN_CREATED', 'RATE_LIMITED', 'WEBHOOK_DELIVERY'],
  [AuditCategory.BULK_OPERATION]: ['BULK_UPDATE', 'BULK_DELETE', 'BULK_IMPORT'],
} as const;

type ActionName = (typeof actionsByCategory)[AuditCategory][number];

export const AuditAction = Object.fromEntries(
  Object.values(actionsByCategory).flatMap((actions) => actions.map((action) => [action, action])),
) as { readonly [A in ActionName]: A };
export type AuditAction = ActionName;

const categoryByAction = new Map<string, AuditCategory>(
  Object.entries(actionsByCategory).flatMap(([category, actions]) =>
    actions.map((action): [string, AuditCategory] => [action, category as AuditCategory]),
  ),
);

export function categoryOfAction(action: AuditAction): AuditCategory {
  const category = categoryByAction.get(action);
  if (!category) throw new Error(`unknown audit action ${action}`);
  return category;
}

/** Actions whose `metadata.recordCount` says how many records they touched. */
export const RECORD_COUNT_ACTIONS: ReadonlySet<string> = new Set([
  'EXPORT',
  'REPORT_EXPORT',
  'BULK_UPDATE',
  'BULK_DELETE',
  'BULK_IMPORT',
]);
