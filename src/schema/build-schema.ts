import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { buildSchema, createResolversMap, type ClassType, type NonEmptyArray } from 'type-graphql';
import type { AuditModule } from '../core/module';
import { guardArguments } from './guard-arguments';
import { applyPermissions } from './permissions';
import { noPubSub } from './no-pubsub';

/** Federation 2.7: 2.4+ is what the Router needs to pass subscriptions through. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;

/**
 * Builds the subgraph from the modules: type-graphql classes, guarded by graphql-shield, as a
 * Federation 2 schema. The rules are applied before `buildSubgraphSchema` because
 * graphql-middleware drops the reference resolvers of a schema that already has them; the
 * reference resolvers guard themselves, and federation's `_service` and `_entities` stay open
 * to the gateway.
 */
export async function buildAuditSchema(modules: readonly AuditModule[]): Promise<GraphQLSchema> {
  const classSchema = await buildClassSchema(modules);
  useCoercedArguments(classSchema, modules);
  const resolvers = createResolversMap(applyPermissions(classSchema, modules)) as GraphQLResolverMap<unknown>;
  for (const module of modules)
    for (const [type, resolveReference] of Object.entries(module.references ?? {}))
      resolvers[type] = {
        ...(resolvers[type] as object),
        __resolveReference: resolveReference as GraphQLFieldResolver<unknown, unknown>,
      };
  const schema = buildSubgraphSchema({
    typeDefs: gql`
      ${FEDERATION_LINK}
      ${printSchemaWithDirectives(classSchema)}
    `,
    resolvers,
  });
  // The entities this subgraph owns are keyed by UUID; the CRM's are not ours to judge.
  guardArguments(schema, { uuidKeyedEntities: modules.flatMap((module) => Object.keys(module.references ?? {})) });
  return schema;
}

/** The modules' resolvers and types as type-graphql builds them, before rules and federation. */
export function buildClassSchema(modules: readonly AuditModule[]): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: modules.flatMap((module) => module.resolvers ?? []) as unknown as NonEmptyArray<ClassType>,
    orphanedTypes: modules.flatMap((module) => module.orphanedTypes ?? []),
    validate: false,
    pubSub: noPubSub,
  });
}

/** See `AuditModule.coercedArgumentResolvers`: the one place where a class resolver is bypassed. */
function useCoercedArguments(schema: GraphQLSchema, modules: readonly AuditModule[]): void {
  for (const module of modules)
    for (const [type, fields] of Object.entries(module.coercedArgumentResolvers ?? {})) {
      const root = type === 'Query' ? schema.getQueryType() : schema.getMutationType();
      for (const [name, resolve] of Object.entries(fields)) {
        const field = root?.getFields()[name];
        if (!field) throw new Error(`${module.name}: no field ${type}.${name} to resolve`);
        field.resolve = resolve as typeof field.resolve;
      }
    }
}
