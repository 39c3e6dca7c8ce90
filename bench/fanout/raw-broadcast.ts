import { WebSocketServer } from 'ws';

/** The baseline the live feed is compared with: a plain `ws` server in the server's process. */
export interface RawBroadcast {
  url: string;
  server: WebSocketServer;
  /** Sends one stored event to every connected socket. */
  broadcast(event: object): void;
  close(): void;
}

/**
 * Each stored event, serialised once, sent as the same text frame (the live feed's shape, so
 * that the clients do the same work) to every plain socket: one send per event and socket, as
 * the write's response arrives, with no batching.
 */
export async function startRawBroadcast(): Promise<RawBroadcast> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`,
    server,
    broadcast(event) {
      const message = { id: '1', type: 'next', payload: { data: { auditEventRecorded: event } } };
      const frame = Buffer.from(JSON.stringify(message));
      for (const socket of server.clients) socket.send(frame, { binary: false });
    },
    close: () => server.close(),
  };
}
