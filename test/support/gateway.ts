import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, getGraphQLWSOptions } from '@graphql-hive/gateway';
import gql from 'graphql-tag';
import { handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer } from 'ws';
import { waitForEventsOf, type LiveSubscription } from '../live/live-support';
import { crmTypeDefs, type CrmServer } from './crm-subgraph';
import type { TestServer } from './server';

/** A gateway in front of test servers, used the way a test server is. */
export type TestGateway = Pick<TestServer, 'url' | 'graphql' | 'stop'>;

/**
 * Hive Gateway in front of our subgraph and a CRM subgraph, configured as the README says: the
 * supergraph composed from each subgraph's `_service { sdl }`, `Authorization` forwarded to the
 * subgraphs, and subscriptions carried to ours over graphql-ws with the token in connectionParams.
 * Clients reach it over HTTP, SSE and graphql-ws on `/graphql`.
 */
export async function startHiveGateway(audit: TestServer, crm: CrmServer): Promise<TestGateway> {
  const sdl = await audit.graphql<{ _service: { sdl: string } }>('{ _service { sdl } }');
  const composed = composeServices([
    { name: 'crm', url: crm.url, typeDefs: crmTypeDefs({ pageInfo: 'minimal' }) },
    { name: 'audit', url: `${audit.url}/graphql`, typeDefs: gql(sdl.data!._service.sdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  const gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? undefined }),
    },
    transportEntries: {
      audit: {
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
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  return {
    url,
    async graphql(query, variables, token) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async stop() {
      wss.clients.forEach((socket) => socket.terminate());
      await new Promise((resolve) => wss.close(resolve));
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
      await gateway.dispose();
    },
  };
}

/** A subscription over Server-Sent Events (graphql-sse's distinct connections mode), as browsers use gateways. */
export function subscribeOverSse<T>(
  endpoint: { url: string },
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  const abort = new AbortController();
  const sub = { events: [] as T[], errors: [] as unknown[] } as LiveSubscription<T>;
  sub.ended = (async () => {
    const response = await fetch(`${endpoint.url}/graphql`, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      let boundary;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = /^event: ?(.*)$/m.exec(message)?.[1];
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.replace(/^data: ?/, ''))
          .join('\n');
        if (event === 'complete') return void (sub.endedBy = 'complete');
        if (!data) continue;
        const result = JSON.parse(data) as { data?: Record<string, T>; errors?: unknown[] };
        if (result.errors) sub.errors.push(...result.errors);
        if (result.data) sub.events.push(...Object.values(result.data));
      }
    }
    sub.endedBy ??= 'close';
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) throw error;
  });
  sub.waitFor = waitForEventsOf(sub);
  sub.dispose = async () => abort.abort();
  return sub;
}
