import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, printSchema, type GraphQLSchema } from 'graphql';
import { compileOperation, type CompiledOperation } from './jit-compile';

/** Distinct operations kept compiled; the Router sends few shapes, clients a few hundred at most. */
const MAX_COMPILED = 500;

/**
 * Runs operations with graphql-jit instead of graphql-js's generic per-field path: a history page of
 * 100 records is ~36,000 fields, where graphql-js's `executeField` / `getArgumentValues` and their
 * garbage cost more than the SQL. The compiled code calls the schema's own resolvers (shield's rules,
 * federation's `_entities`, the scalars' `serialize`) and reports their errors as graphql-js does.
 * What graphql-jit cannot compile runs with graphql-js `execute`.
 */
export function jitExecutor(schema: GraphQLSchema, maxCompiled = MAX_COMPILED): GatewayExecutor {
  // A Map iterates in insertion order: re-inserting on use makes its first key the least recently used.
  const cache = new Map<string, CompiledOperation | null>();

  return async ({ document, operationName, queryHash, request, context }) => {
    // queryHash is the SHA-256 of the query text Apollo parsed `document` from.
    const key = `${queryHash}:${operationName ?? ''}`;
    let compiled = cache.get(key);
    if (compiled === undefined) {
      compiled = compileOperation(schema, document, operationName);
      if (cache.size >= maxCompiled) cache.delete(cache.keys().next().value!);
    } else cache.delete(key);
    cache.set(key, compiled);

    const graphqlJs = () =>
      execute({ schema, document, operationName, variableValues: request.variables, contextValue: context });
    if (!compiled) return graphqlJs();
    let variables = request.variables ?? {};
    for (const [name, value] of compiled.defaults)
      if (!(name in variables)) variables = { ...variables, [name]: value };
    const result = await compiled.query.query(undefined, context, variables);
    // No data: the variables did not coerce, and nothing ran. graphql-jit's errors lack the `nodes`
    // Apollo needs to answer 400 BAD_USER_INPUT (it would mask them as internal): graphql-js reports them.
    if (result.data === undefined) return graphqlJs();
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
  };
}

/**
 * graphql-jit's errors carry no `extensions` (Apollo Server's error handling then fails and drops
 * `path` and `locations`): rebuilt as graphql-js builds them, with the resolver's error as cause.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const cause = error.originalError ?? error;
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: cause,
    extensions: (cause as { extensions?: Record<string, unknown> }).extensions,
  });
  return Object.assign(rebuilt, { locations: error.locations });
}

/**
 * Apollo Server's `gateway` hook is the one place it lets an executor replace graphql-js; this
 * "gateway" serves the subgraph's own schema, unchanged (Apollo still parses, validates and runs
 * every plugin hook up to `executionDidStart`). Inline traces (ftv1) hook resolvers that graphql-jit
 * has captured when it compiled: such traces may be incomplete, never an error.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: async () => ({ executor: jitExecutor(schema) }),
    stop: async () => undefined,
  };
}
