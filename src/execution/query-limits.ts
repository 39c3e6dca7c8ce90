import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isListType,
  Kind,
  typeFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { ErrorCode } from '../errors';

/** A list field costs its children once per item it may return: `first`, or the gateway's representations. */
const listEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  if (Array.isArray(args.representations)) return 1 + childComplexity * args.representations.length;
  if (typeof args.first === 'number') return 1 + childComplexity * args.first;
  return undefined;
};

/** The standard introspection query is 13 levels deep by itself: it is measured apart, against this. */
const INTROSPECTION_DEPTH = 20;
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

function depthOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  skipIntrospection: boolean,
  seen = new Set<string>(),
): number {
  let deepest = 0;
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (skipIntrospection && INTROSPECTION_FIELDS.has(selection.name.value)) continue;
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, skipIntrospection, seen));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, skipIntrospection, seen));
    } else if (!seen.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value)?.selectionSet;
      deepest = Math.max(
        deepest,
        depthOf(fragment, fragments, skipIntrospection, new Set([...seen, selection.name.value])),
      );
    }
  }
  return deepest;
}

/** How deep the operation goes: its data selections alone, and everything including introspection. */
export function queryDepth(document: DocumentNode, operationName?: string | null): { data: number; all: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName),
  );
  const deepest = (skipIntrospection: boolean) =>
    Math.max(0, ...operations.map((operation) => depthOf(operation.selectionSet, fragments, skipIntrospection)));
  return { data: deepest(true), all: deepest(false) };
}

/**
 * The variables to estimate with. `getComplexity` coerces them all again, and a list of input objects
 * (the 500 events of `recordAuditEvents`) costs as much as graphql-js's own coercion for execution.
 * No estimator reads one (they read `first`, the gateway's `representations`, @skip and @include), so
 * it is estimated as empty; execution still coerces it in full, and answers a bad one with
 * BAD_USER_INPUT.
 */
function variablesToEstimate(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode | null | undefined,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  let estimated = variables;
  for (const definition of operation?.variableDefinitions ?? []) {
    const type = getNullableType(typeFromAST(schema, definition.type));
    if (!isListType(type) || !isInputObjectType(getNamedType(type))) continue;
    if (estimated === variables) estimated = { ...variables };
    estimated[definition.variable.name.value] = [];
  }
  return estimated;
}

const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.QueryTooComplex, http: { status: 400 } } });

/**
 * `getComplexity` coerces the variables before execution does, so a malformed variable fails
 * here first: it is the client's input, and gets the code execution would have given it.
 */
function estimateOrRefuseVariables(estimate: () => number): number {
  try {
    return estimate();
  } catch (error) {
    if (error instanceof GraphQLError && !error.extensions.code)
      throw new GraphQLError(error.message, {
        nodes: error.nodes,
        extensions: { code: ErrorCode.BadUserInput, http: { status: 400 } },
      });
    throw error;
  }
}

export interface OperationRequest {
  document: DocumentNode;
  operation?: OperationDefinitionNode | null;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * Checks an operation against the limits, over HTTP and over WebSocket alike.
 * @throws GraphQLError QUERY_TOO_COMPLEX when it is too deep or too costly, BAD_USER_INPUT for a
 * malformed variable.
 */
export function checkOperationLimits(schema: GraphQLSchema, limits: Limits, request: OperationRequest): void {
  const { document, operation, operationName, variables } = request;
  const depth = queryDepth(document, operationName);
  if (depth.data > limits.maxQueryDepth)
    throw tooComplex(`The query is nested ${depth.data} levels deep; at most ${limits.maxQueryDepth} are allowed`);
  if (depth.all > INTROSPECTION_DEPTH)
    throw tooComplex(`The query is nested ${depth.all} levels deep; at most ${INTROSPECTION_DEPTH} are allowed`);
  const cost = estimateOrRefuseVariables(() =>
    getComplexity({
      schema,
      query: document,
      variables: variablesToEstimate(schema, operation, variables ?? {}),
      operationName: operationName ?? undefined,
      estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
    }),
  );
  if (cost > limits.maxQueryComplexity)
    throw tooComplex(`The query would cost ${cost}; at most ${limits.maxQueryComplexity} is allowed`);
}

/** Refuses operations nested deeper or estimated costlier than the limits, before anything runs. */
export function queryLimitsPlugin(schema: () => GraphQLSchema, limits: Limits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          checkOperationLimits(schema(), limits, {
            document,
            operation,
            operationName: request.operationName,
            variables: request.variables,
          });
        },
      };
    },
  };
}
