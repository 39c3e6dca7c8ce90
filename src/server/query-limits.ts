import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
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

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, seen));
    else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value)) {
      const fragment = fragments.get(selection.name.value);
      deepest = Math.max(deepest, depthOf(fragment?.selectionSet, fragments, new Set([...seen, selection.name.value])));
    }
  }
  return deepest;
}

export function queryDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let deepest = 0;
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName))
      deepest = Math.max(deepest, depthOf(definition.selectionSet, fragments));
  return deepest;
}

const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.QueryTooComplex, http: { status: 400 } } });

/** Refuses operations nested deeper or estimated costlier than the limits, before anything runs. */
export function queryLimitsPlugin(schema: () => GraphQLSchema, limits: Limits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const depth = queryDepth(document, request.operationName);
          if (depth > limits.maxQueryDepth)
            throw tooComplex(`The query is nested ${depth} levels deep; at most ${limits.maxQueryDepth} are allowed`);
          const cost = getComplexity({
            schema: schema(),
            query: document,
            variables: request.variables ?? {},
            operationName: request.operationName ?? undefined,
            estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (cost > limits.maxQueryComplexity)
            throw tooComplex(`The query would cost ${cost}; at most ${limits.maxQueryComplexity} is allowed`);
        },
      };
    },
  };
}
