import { rule } from 'graphql-shield';
import type { ShieldRule } from 'graphql-shield/typings/types';
import type { RequestContext } from '../core/context';
import { serviceProblem } from './admin-problem';
import { permissionProblem, type AuditPermission } from './permissions';

export const isService = rule('isService', { cache: 'contextual' })(
  (_parent, _args, { auth }: RequestContext) => serviceProblem(auth) ?? true,
);

const rulesByName = new Map<string, ShieldRule>();
const permissionsByRule = new WeakMap<ShieldRule, readonly AuditPermission[]>();

/**
 * The rule for a field that needs every one of `permissions`: `can(AuditPermission.READ_EVENTS)`.
 * The caller's permissions are read once per request (see PERMISSIONS).
 */
export function can(...permissions: AuditPermission[]): ShieldRule {
  const needed = [...new Set(permissions)].sort();
  const name = `can(${needed.join(',')})`;
  let guard = rulesByName.get(name);
  if (!guard) {
    guard = rule(name, { cache: 'contextual' })(
      async (_parent, _args, context: RequestContext) => (await permissionProblem(context, needed)) ?? true,
    );
    rulesByName.set(name, guard);
    permissionsByRule.set(guard, needed);
  }
  return guard;
}

/** The permissions a rule made by {@link can} needs; undefined for any other rule. */
export function permissionsOf(guard: unknown): readonly AuditPermission[] | undefined {
  return typeof guard === 'object' && guard !== null ? permissionsByRule.get(guard as ShieldRule) : undefined;
}
