import type { IncomingMessage } from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { ServerOptions, SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { AuditPermission, currentPermissions, lackProblem } from '../auth/permissions';
import type { Authenticate } from '../auth/verify-token';
import type { Authentication } from '../auth/principal';
import type { Limits } from '../config';
import { ErrorCode, UnauthenticatedError } from '../errors';
import { createRequestContext, type Services } from '../core/context';
import { formatGraphQLError, logInternalErrors, toGraphQLError } from '../execution/graphql-errors';
import { checkOperationLimits, parseWithinLimits } from '../execution/query-limits';
import type { LiveHub } from './live-hub';
import type { LiveMetrics } from './live-metrics';
import { subscribesToLiveField, type LiveContext } from './live-operation';
import { liveAwareSubscribe } from './live-subscribe';
import type { SocketWriter } from './socket-writer';

/** What graphql-ws keeps per socket. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
  connectionId: string;
  auth?: Authentication;
  /** Shared by graphql-ws's messages and the live feeds' frames, so that they stay in order. */
  writer: SocketWriter;
}

export interface LiveServerDeps {
  schema: GraphQLSchema;
  /** The same depth and cost limits as over HTTP, and how many operations a connection may run. */
  limits: Limits;
  /** Introspection is answered (as over HTTP: not when NODE_ENV=production). */
  introspection: boolean;
  authenticate: Authenticate;
  services: Services;
  hub: LiveHub;
  metrics: LiveMetrics;
}

/**
 * An operation refused before it runs. It is sent as the operation's result, a `next` carrying
 * the errors and then `complete`, not as graphql-ws's `error` message: gateways' upstream clients
 * throw on `error` and mask it (Hive Gateway answers "Unexpected error"), and closing the socket
 * instead makes clients retry. graphql-ws runs the operation it is given; this one only carries
 * the errors to `subscribe` below, which answers with them.
 */
class Refusal {
  constructor(readonly errors: GraphQLError[]) {}
}
const REFUSED_OPERATION = parse('subscription Refused { __typename }');

function refused(schema: GraphQLSchema, errors: GraphQLError[]): ExecutionArgs {
  return { schema, document: REFUSED_OPERATION, rootValue: new Refusal(errors), contextValue: {} };
}

function tooManySubscriptions(limit: number): GraphQLError {
  return new GraphQLError(
    `This connection already runs ${limit} operations, the most it may: complete one, or open another connection`,
    { extensions: { code: ErrorCode.TooManySubscriptions, limit } },
  );
}

/** The codes Apollo Server gives parse and validation errors over HTTP. */
function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/** The operation's document, or why it may not run on this connection. */
async function admit(
  { schema, limits, introspection, services }: Pick<LiveServerDeps, 'schema' | 'limits' | 'introspection' | 'services'>,
  auth: Authentication,
  payload: SubscribePayload,
): Promise<DocumentNode | GraphQLError[]> {
  if (!auth.principal)
    return [toGraphQLError(new UnauthenticatedError(`A valid bearer token is required: ${auth.problem}`))];
  if (auth.principal.expiresAt * 1000 <= Date.now())
    return [toGraphQLError(new UnauthenticatedError('Your token expired: connect again with a fresh token'))];
  let document;
  try {
    document = parseWithinLimits(payload.query, limits);
  } catch (error) {
    const refusal = error as GraphQLError;
    return [refusal.extensions.code ? refusal : withCode(refusal, ErrorCode.GraphqlParseFailed)];
  }
  const rules = introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const errors = validate(schema, document, rules);
  if (errors.length > 0) return errors.map((error) => withCode(error, ErrorCode.GraphqlValidationFailed));
  try {
    const { operationName, variables } = payload;
    const operation = getOperationAST(document, operationName);
    checkOperationLimits(schema, limits, { document, operation, operationName, variables });
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  if (!subscribesToLiveField(document, payload.operationName)) return document;
  const problem = lackProblem(await currentPermissions(services, auth.principal), [AuditPermission.READ_EVENTS]);
  return problem ? [toGraphQLError(problem)] : document;
}

export function liveServerOptions(
  deps: LiveServerDeps,
): ServerOptions<Record<string, unknown> | undefined, SocketExtra> {
  const { schema, limits, authenticate, services, hub } = deps;
  return {
    schema,
    /**
     * Every connection is accepted: a missing or bad token refuses each of its operations instead.
     * The token is read from connectionParams, else from the upgrade request's header, which is
     * where Apollo Router and Hive Router put the `Authorization` they propagate.
     */
    async onConnect(ctx) {
      const param = ctx.connectionParams?.Authorization ?? ctx.connectionParams?.authorization;
      const header = typeof param === 'string' ? param : ctx.extra.request.headers.authorization;
      ctx.extra.auth = await authenticate(header);
      return true;
    },
    async onSubscribe(ctx, _id, payload) {
      // graphql-ws has already added this operation to `subscriptions`.
      if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection)
        return refused(schema, [tooManySubscriptions(limits.maxSubscriptionsPerConnection)]);
      const admitted = await admit(deps, ctx.extra.auth!, payload);
      if (Array.isArray(admitted)) return refused(schema, admitted);
      return { schema, document: admitted, operationName: payload.operationName, variableValues: payload.variables };
    },
    context(ctx, id, payload, args): LiveContext {
      const host = ctx.extra.request.headers.host;
      const origin = host ? `http://${host}` : undefined;
      const base = createRequestContext(services, ctx.extra.auth!, `${ctx.extra.connectionId}/${id}`, origin);
      const { query, operationName, variables: variableValues } = payload;
      const live = {
        hub,
        schema,
        document: args.document,
        query,
        operationName,
        variableValues,
        subscriptionId: id,
        writer: ctx.extra.writer,
      };
      return { ...base, live };
    },
    subscribe: (args) =>
      args.rootValue instanceof Refusal ? { errors: args.rootValue.errors } : liveAwareSubscribe(args),
    onOperation(_ctx, _id, _payload, args, result) {
      if (Symbol.asyncIterator in result) deps.metrics.operationsStarted.inc({ field: rootFieldOf(args) });
    },
    /** The same error policy as over HTTP: coded errors as they are, internal ones logged once and masked. */
    onNext(_ctx, _id, _payload, args, result) {
      if (!result.errors?.length) return;
      const { log } = args.contextValue as Partial<LiveContext>;
      if (log) logInternalErrors(log, result.errors);
      return { ...result, errors: result.errors.map((error) => formatGraphQLError(error.toJSON(), error)) };
    },
  };
}

/** The name of the operation's first root field (what a subscription streams). */
function rootFieldOf({ document, operationName }: ExecutionArgs): string {
  const first = getOperationAST(document, operationName)?.selectionSet.selections[0];
  return first?.kind === Kind.FIELD ? first.name.value : 'unknown';
}
