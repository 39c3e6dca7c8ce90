import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isListType,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  typeFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Request, RequestHandler } from 'express';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Limits } from '../config';
import { ErrorCode } from '../errors';

/**
 * Lists without a `first`, by schema coordinate: the items each is counted as. An alert holds the
 * run of events that reached its rule's threshold, most of them a handful.
 */
const UNPAGED_LISTS = new Map([['AuditAlert.events', 100]]);

/**
 * A list field costs its children once per item it may return: `first`, the gateway's
 * representations, or what UNPAGED_LISTS says.
 */
const listEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (Array.isArray(args.representations)) return 1 + childComplexity * args.representations.length;
  const unpaged = UNPAGED_LISTS.get(`${type.name}.${field.name}`);
  if (unpaged !== undefined) return 1 + childComplexity * unpaged;
  if (typeof args.first === 'number') return 1 + childComplexity * args.first;
  return undefined;
};

/** The standard introspection query is 13 levels deep by itself: it is measured apart, against this. */
const INTROSPECTION_DEPTH = 20;
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);
/**
 * graphql-js parses nested brackets by recursion, so deep enough nesting overflows the stack before
 * any other limit is checked. Selections nest at most INTROSPECTION_DEPTH deep; argument values
 * (JSON included) have room beyond that.
 */
const MAX_BRACKET_NESTING = 100;

const tooComplex = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.QueryTooComplex, http: { status: 400 } } });

/** What a document asks for once its fragments are expanded. */
export interface DocumentShape {
  /** The deepest data selection (introspection fields not counted). */
  dataDepth: number;
  /** The deepest selection, introspection included. */
  depth: number;
  /** Fields, fragment spreads and inline fragments, each spread counted with its fragment's. */
  selections: number;
}

const NOTHING: DocumentShape = { dataDepth: 0, depth: 0, selections: 0 };

/**
 * The shape of every operation of the document, in one walk of it: each fragment is measured once
 * and every spread of it reuses that, so fragments that spread the next one twice cost their
 * length, not 2^n. `selections` may exceed any integer then; it is only compared.
 */
export function documentShape(document: DocumentNode): DocumentShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const measured = new Map<string, DocumentShape>();

  const measureFragment = (name: string): DocumentShape => {
    const known = measured.get(name);
    if (known) return known;
    // A spread of a fragment being measured is a cycle, which validation refuses: it counts as nothing.
    measured.set(name, NOTHING);
    const shape = measureSet(fragments.get(name)?.selectionSet);
    measured.set(name, shape);
    return shape;
  };

  const measureSet = (selectionSet: SelectionSetNode | undefined): DocumentShape => {
    let { dataDepth, depth, selections } = NOTHING;
    for (const selection of selectionSet?.selections ?? []) {
      const inner =
        selection.kind === Kind.FRAGMENT_SPREAD
          ? measureFragment(selection.name.value)
          : measureSet(selection.selectionSet);
      selections += 1 + inner.selections;
      if (selection.kind !== Kind.FIELD) {
        depth = Math.max(depth, inner.depth);
        dataDepth = Math.max(dataDepth, inner.dataDepth);
        continue;
      }
      depth = Math.max(depth, 1 + inner.depth);
      if (!INTROSPECTION_FIELDS.has(selection.name.value)) dataDepth = Math.max(dataDepth, 1 + inner.dataDepth);
    }
    return { dataDepth, depth, selections };
  };

  const shape = { ...NOTHING };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const operation = measureSet(definition.selectionSet);
    shape.dataDepth = Math.max(shape.dataDepth, operation.dataDepth);
    shape.depth = Math.max(shape.depth, operation.depth);
    shape.selections += operation.selections;
  }
  return shape;
}

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Counts the tokens and the bracket nesting before anything parses the document.
 * @throws GraphQLError QUERY_TOO_COMPLEX past a limit; a lexical error is left for the parser to report.
 */
function checkTokens(query: string, limits: Limits): void {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > limits.maxQueryTokens)
        throw tooComplex(`The document has more than ${limits.maxQueryTokens} tokens, the most allowed`);
      if (OPENING.has(token.kind) && ++nesting > MAX_BRACKET_NESTING)
        throw tooComplex(`The document nests brackets more than ${MAX_BRACKET_NESTING} deep, the most allowed`);
      if (CLOSING.has(token.kind)) nesting--;
    }
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === ErrorCode.QueryTooComplex) throw error;
  }
}

/**
 * Parses a client's document after checking, in time linear in its length, its size, its tokens, and
 * the depth and number of its selections with fragments expanded: nothing else (validation, cost
 * estimation, authorisation) sees a document that is over a limit.
 * @throws GraphQLError QUERY_TOO_COMPLEX naming the limit, or the parser's syntax error.
 */
export function parseWithinLimits(query: string, limits: Limits): DocumentNode {
  const bytes = Buffer.byteLength(query);
  if (bytes > limits.maxQueryBytes)
    throw tooComplex(`The document is ${bytes} bytes long; at most ${limits.maxQueryBytes} are allowed`);
  checkTokens(query, limits);
  const document = parse(query);
  const shape = documentShape(document);
  if (shape.dataDepth > limits.maxQueryDepth)
    throw tooComplex(`The query is nested ${shape.dataDepth} levels deep; at most ${limits.maxQueryDepth} are allowed`);
  if (shape.depth > INTROSPECTION_DEPTH)
    throw tooComplex(`The query is nested ${shape.depth} levels deep; at most ${INTROSPECTION_DEPTH} are allowed`);
  if (shape.selections > limits.maxQuerySelections)
    throw tooComplex(
      `The query has more than ${limits.maxQuerySelections} selections once its fragments are expanded, the most allowed`,
    );
  return document;
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
 * Checks an operation's estimated cost, over HTTP and over WebSocket alike; its document has passed
 * `parseWithinLimits`, so the estimate visits at most `maxQuerySelections` nodes.
 * @throws GraphQLError QUERY_TOO_COMPLEX when it is too costly, BAD_USER_INPUT for a malformed variable.
 */
export function checkOperationLimits(schema: GraphQLSchema, limits: Limits, request: OperationRequest): void {
  const { document, operation, operationName, variables } = request;
  const cost = estimateOrRefuseVariables(() =>
    getComplexity({
      schema,
      query: document,
      variables: variablesToEstimate(schema, operation, variables ?? {}),
      operationName: operationName ?? undefined,
      estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
      // Its own cap (10,000 by default) would refuse under another message what the count above allows.
      maxQueryNodes: limits.maxQuerySelections + 1,
    }),
  );
  if (cost > limits.maxQueryComplexity)
    throw tooComplex(`The query would cost ${cost}; at most ${limits.maxQueryComplexity} is allowed`);
}

/** Refuses operations estimated costlier than the limits, before anything runs. */
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

/** The document of a GraphQL request over HTTP: a POST body's `query`, or a GET's (the first, as Apollo reads it). */
function documentOf(request: Request): unknown {
  if (request.method === 'GET') {
    const query = request.query.query;
    return Array.isArray(query) ? query[0] : query;
  }
  const body: unknown = request.body;
  return body && typeof body === 'object' && 'query' in body ? body.query : undefined;
}

/**
 * Runs `parseWithinLimits` on each HTTP request before Apollo Server parses, validates and
 * authorises it (its plugins can only refuse after validation), and answers a document over a limit
 * with a 400 as Apollo would. Syntax errors are left for Apollo to report.
 */
export function documentLimitsMiddleware(limits: Limits): RequestHandler {
  return (request, response, next) => {
    const query = documentOf(request);
    if (typeof query !== 'string') return next();
    try {
      parseWithinLimits(query, limits);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      if (error.extensions.code === ErrorCode.QueryTooComplex) {
        response
          .status(400)
          .json({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
        return;
      }
    }
    next();
  };
}
