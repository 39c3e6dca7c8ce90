import type { IncomingMessage } from 'node:http';
import { getOperationAST, GraphQLError, validate, type GraphQLSchema } from 'graphql';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { adminProblem } from '../auth/admin-problem';
import type { Authenticate } from '../auth/verify-token';
import type { Authentication } from '../auth/principal';
import type { Limits } from '../config';
import { UnauthenticatedError } from '../errors';
import { checkOperationLimits, parseWithinLimits } from '../server/query-limits';
import { createRequestContext, type Services } from '../server/context';
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
  /** The same document and cost limits as over HTTP. */
  limits: Limits;
  authenticate: Authenticate;
  services: Services;
  hub: LiveHub;
  metrics: LiveMetrics;
}

export function liveServerOptions({
  schema,
  limits,
  authenticate,
  services,
  hub,
}: LiveServerDeps): ServerOptions<Record<string, unknown> | undefined, SocketExtra> {
  return {
    schema,
    async onConnect(ctx) {
      const header = ctx.connectionParams?.Authorization ?? ctx.connectionParams?.authorization;
      const auth = await authenticate(typeof header === 'string' ? header : undefined);
      if (!auth.principal) {
        ctx.extra.socket.close(CloseCode.Forbidden, `Forbidden: ${auth.problem}`.slice(0, 120));
        return false;
      }
      ctx.extra.auth = auth;
      return true;
    },
    onSubscribe(ctx, _id, payload) {
      const auth = ctx.extra.auth!;
      if (auth.principal && auth.principal.expiresAt * 1000 <= Date.now())
        return [new UnauthenticatedError('Your token expired: connect again with a fresh token')];
      let document;
      try {
        document = parseWithinLimits(payload.query, limits);
      } catch (error) {
        return [error as GraphQLError];
      }
      const errors = validate(schema, document);
      if (errors.length > 0) return errors;
      try {
        const { operationName, variables } = payload;
        const operation = getOperationAST(document, operationName);
        checkOperationLimits(schema, limits, { document, operation, operationName, variables });
      } catch (error) {
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
      const problem = subscribesToLiveField(document, payload.operationName) ? adminProblem(auth) : null;
      if (problem) return [problem];
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
    },
    context(ctx, id, payload, args): LiveContext {
      const base = createRequestContext(services, ctx.extra.auth!, `${ctx.extra.connectionId}/${id}`);
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
    subscribe: liveAwareSubscribe,
  };
}
