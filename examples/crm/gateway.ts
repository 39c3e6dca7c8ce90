import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, getGraphQLWSOptions } from '@graphql-hive/gateway';
import type { DocumentNode } from 'graphql';
import gql from 'graphql-tag';
import { handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer } from 'ws';

export interface GatewaySubgraph {
  name: string;
  /** Its GraphQL endpoint. */
  url: string;
  /** Its SDL; unset: read from its `_service { sdl }`. */
  typeDefs?: DocumentNode;
}

export interface RunningGateway {
  /** Base URL; clients use `${url}/graphql` over HTTP, SSE and graphql-ws. */
  url: string;
  stop(): Promise<void>;
}

async function sdlOf({ url, typeDefs }: GatewaySubgraph): Promise<DocumentNode> {
  if (typeDefs) return typeDefs;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const { data } = (await response.json()) as { data: { _service: { sdl: string } } };
  return gql(data._service.sdl);
}

/**
 * Hive Gateway in front of the subgraphs, configured as the README says: the supergraph composed
 * from their SDL, `Authorization` forwarded to the subgraphs, and subscriptions carried to the
 * `subscriptionsFrom` subgraph (the audit subgraph) over graphql-ws with the token in connectionParams.
 */
export async function startHiveGateway({
  subgraphs,
  subscriptionsFrom = 'audit',
  port = 0,
  host = '127.0.0.1',
}: {
  subgraphs: GatewaySubgraph[];
  subscriptionsFrom?: string;
  port?: number;
  host?: string;
}): Promise<RunningGateway> {
  const composed = composeServices(
    await Promise.all(subgraphs.map(async (subgraph) => ({ ...subgraph, typeDefs: await sdlOf(subgraph) }))),
  );
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  const gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? undefined }),
    },
    transportEntries: {
      [subscriptionsFrom]: {
        options: {
          subscriptions: {
            kind: 'ws',
            location: '/graphql',
            options: { connectionParams: { Authorization: '{context.headers.authorization}' } },
          },
        },
      },
    },
  });
  // The supergraph is loaded on the first request: a WebSocket subscription first would find no schema.
  await gateway.getSchema();
  const httpServer = createServer(gateway);
  const wss = new WebSocketServer({ server: httpServer, path: gateway.graphqlEndpoint, handleProtocols });
  const wsServer = makeServer(
    getGraphQLWSOptions<Record<string, unknown>, { request: IncomingMessage }>(gateway, (ctx) => {
      // The gateway reads the token of WebSocket clients from their connectionParams.
      const params = ctx.connectionParams ?? {};
      const authorization = params.Authorization ?? params.authorization;
      return { req: ctx.extra.request, headers: authorization ? { authorization } : {} };
    }),
  );
  wss.on('connection', (socket, request) => {
    const closed = wsServer.opened(
      {
        protocol: socket.protocol,
        send: (data) => new Promise((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve()))),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) => socket.on('message', (message) => void handle(String(message))),
      },
      { request },
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });
  await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
  return {
    url: `http://${host}:${(httpServer.address() as AddressInfo).port}`,
    async stop() {
      wss.clients.forEach((socket) => socket.terminate());
      await new Promise((resolve) => wss.close(resolve));
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
      await gateway.dispose();
    },
  };
}
