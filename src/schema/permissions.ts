import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareTypeMap } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import type { IRuleFieldMap, IRuleTypeMap } from 'graphql-shield/typings/types';
import type { AuditModule } from '../core/module';
import { ForbiddenError } from '../errors';

/**
 * Every module's rules in one map, and every module's open result types as `allow`.
 * @throws Error when two modules guard the same field, or a type is both guarded and open.
 */
export function rulesOf(modules: readonly AuditModule[]): IRuleTypeMap {
  const guarded: Record<string, IRuleFieldMap> = {};
  const open: IRuleTypeMap = {};
  for (const module of modules) {
    for (const [type, fields] of Object.entries(module.rules ?? {}))
      for (const [field, rule] of Object.entries(fields)) {
        guarded[type] ??= {};
        if (field in guarded[type]) throw new Error(`${type}.${field} is guarded by two modules (${module.name})`);
        guarded[type][field] = rule;
      }
    for (const type of module.openTypes ?? []) open[type] = allow;
  }
  const both = Object.keys(open).filter((type) => type in guarded);
  if (both.length > 0) throw new Error(`${both.join(', ')}: both guarded and open`);
  return { ...guarded, ...open };
}

/**
 * Applies the rules; whatever no module lists is denied. The open result types are left
 * unwrapped: wrapping each of their fields in async middleware tripled the time of a 100-record
 * history fetch, and they are only reached through guarded fields.
 */
export function applyPermissions(schema: GraphQLSchema, modules: readonly AuditModule[]): GraphQLSchema {
  const permissions = shield(rulesOf(modules), {
    fallbackRule: deny,
    fallbackError: () => new ForbiddenError('This field is not open to you'),
    // Resolvers' own errors (BAD_USER_INPUT, ...) reach the client with their codes.
    allowExternalErrors: true,
  });
  const middleware = permissions.generate(schema) as IMiddlewareTypeMap;
  for (const type of modules.flatMap((module) => module.openTypes ?? [])) delete middleware[type];
  return applyMiddleware(schema, middleware);
}
