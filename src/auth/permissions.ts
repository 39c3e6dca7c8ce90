import { loaderKey, serviceKey, type RequestContext, type Services } from '../core/context';
import { ForbiddenError, UnauthenticatedError, type AuditError } from '../errors';
import { Role, type Principal } from './principal';

/** What a role may do with the audit log; every guarded field needs one or more of these. */
export enum AuditPermission {
  READ_EVENTS = 'READ_EVENTS',
  READ_PERSONAL_DATA = 'READ_PERSONAL_DATA',
  READ_ALERTS = 'READ_ALERTS',
  MANAGE_ALERTS = 'MANAGE_ALERTS',
  MANAGE_RETENTION = 'MANAGE_RETENTION',
  MANAGE_LEGAL_HOLDS = 'MANAGE_LEGAL_HOLDS',
  EXPORT = 'EXPORT',
  MANAGE_STREAMS = 'MANAGE_STREAMS',
  REVERT = 'REVERT',
  MANAGE_SAVED_FILTERS = 'MANAGE_SAVED_FILTERS',
  ERASE_SUBJECTS = 'ERASE_SUBJECTS',
  MANAGE_ROLES = 'MANAGE_ROLES',
}

export type Permissions = ReadonlySet<AuditPermission>;

export const ALL_PERMISSIONS: readonly AuditPermission[] = Object.values(AuditPermission);

/** The roles every tenant has; they cannot be changed or deleted. */
export const BUILT_IN_ROLES: Readonly<Record<string, readonly AuditPermission[]>> = {
  [Role.Admin]: ALL_PERMISSIONS,
  [Role.Auditor]: [AuditPermission.READ_EVENTS, AuditPermission.READ_ALERTS, AuditPermission.EXPORT],
};

/** Names a tenant may not give its own roles: the built-in ones and the writers' role. */
export const RESERVED_ROLE_NAMES: readonly string[] = [...Object.keys(BUILT_IN_ROLES), Role.Service];

const NONE: Permissions = new Set();
const builtIn = new Map(
  Object.entries(BUILT_IN_ROLES).map(([name, granted]) => [name, new Set(granted) as Permissions]),
);

/** The tenant-defined roles, served by the roles module. */
export interface RoleDirectory {
  /** The permissions of the tenant's role `name` as stored now; none for a role the tenant did not define. */
  customPermissions(tenantId: string, name: string): Promise<Permissions>;
  /**
   * Calls `changed` after each change of what the tenant's callers may see (its roles, its personal
   * fields), on every replica, until the returned function is called: open subscriptions re-check with it.
   */
  watch(tenantId: string, changed: () => void): () => void;
}

export const ROLE_DIRECTORY = serviceKey<RoleDirectory>('roles');

/** True for roles whose permissions never change (built-in, SERVICE, or none): nothing to watch. */
export function isFixedRole(role: string): boolean {
  return builtIn.has(role) || role === Role.Service || role === '';
}

/**
 * What `principal` may do now. Built-in roles are answered without the database; a tenant-defined
 * role is read from it, so that a change made through any replica holds for the next request.
 */
export function currentPermissions(services: Services, principal: Principal): Promise<Permissions> {
  const fixed = builtIn.get(principal.role);
  if (fixed) return Promise.resolve(fixed);
  if (isFixedRole(principal.role)) return Promise.resolve(NONE);
  return services.get(ROLE_DIRECTORY).customPermissions(principal.tenantId, principal.role);
}

/** The caller's permissions, read once per request (or per subscription, which re-checks on role changes). */
export const PERMISSIONS = loaderKey('permissions', currentPermissions);

/** Why the caller may not do what needs `needed`, or null when it may. */
export async function permissionProblem(
  context: RequestContext,
  needed: readonly AuditPermission[],
): Promise<AuditError | null> {
  const { auth } = context;
  if (!auth.principal) return new UnauthenticatedError(`A valid bearer token is required: ${auth.problem}`);
  return lackProblem(await context.loader(PERMISSIONS), needed);
}

/** FORBIDDEN naming what `granted` lacks of `needed`, or null. */
export function lackProblem(granted: Permissions, needed: readonly AuditPermission[]): AuditError | null {
  const missing = needed.filter((permission) => !granted.has(permission));
  return missing.length > 0 ? new ForbiddenError(`Your role lacks the permission ${missing.join(', ')}`) : null;
}

/** Throws what {@link permissionProblem} finds: for paths the rules do not reach (`_entities`, subscribe). */
export async function requirePermissions(context: RequestContext, needed: readonly AuditPermission[]): Promise<void> {
  const problem = await permissionProblem(context, needed);
  if (problem) throw problem;
}
