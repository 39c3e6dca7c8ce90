import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../observability/logger';
import { liveServerOptions, type LiveServerDeps, type SocketExtra } from './live-server-options';
import { BatchedFlush } from './batched-flush';
import { SocketWriter } from './socket-writer';

const KEEP_ALIVE_MS = 12_000;
const CLOSE_GRACE_MS = 3_000;

export interface SubscriptionServer {
  /** Closes every socket cleanly (1001: clients reconnect elsewhere and resume), then stops. */
  close(): Promise<void>;
}

/** graphql-ws on `/graphql` of the HTTP server, next to Apollo's POST endpoint. */
export function startSubscriptionServer(
  httpServer: Server,
  deps: LiveServerDeps & { log: Logger; flushIntervalMs: number },
): SubscriptionServer {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', handleProtocols });
  const server = makeServer(liveServerOptions(deps));
  const flush = new BatchedFlush(deps.flushIntervalMs);

  wss.on('connection', (socket: WebSocket, request) => {
    deps.metrics.connections.inc();
    const writer = new SocketWriter(socket, request.socket, flush);
    const extra: SocketExtra = { socket, request, connectionId: randomUUID(), writer };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            writer.send(data, (err) => (err ? reject(err) : resolve()));
            // graphql-ws awaits each send before taking the next event (of subscriptions other
            // than the live feed's, such as alerts): waiting for the write callback would cap
            // them at one event per turn of the event loop. A congested socket does make them wait.
            if (!writer.congested) resolve();
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (message) =>
            handle(String(message)).catch((err: unknown) => {
              deps.log.error({ err }, 'live: could not handle a WebSocket message');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }),
          ),
      },
      extra,
    );
    const ping = setInterval(() => (socket.readyState === socket.OPEN ? socket.ping() : undefined), KEEP_ALIVE_MS);
    socket.on('error', (err) => deps.log.warn({ err }, 'live: WebSocket error'));
    socket.once('close', (code, reason) => {
      clearInterval(ping);
      deps.metrics.connections.dec();
      void closed(code, String(reason));
    });
  });

  return {
    async close() {
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              const force = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
              socket.once('close', () => (clearTimeout(force), resolve()));
              socket.close(1001, 'Server shutting down: reconnect and resume with afterSequence');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
