import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One request as the sink received it: the body decompressed when it was gzipped. */
export interface SinkRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The body as sent (compressed when it was). */
  raw: Buffer;
  body: string;
  /** Which TCP connection it came on (numbered in the order they were opened). */
  connection: number;
}

/**
 * How the receiver answers a request: a status and body (after `delayMs`: a slow sink), `hang` (never answers: the sender times out) or `close`
 * (the connection is closed mid-request, before any answer).
 */
export type SinkAnswer =
  { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang' | 'close';

export interface SinkReceiver {
  url: string;
  /** `127.0.0.1:<port>`, as OUTBOUND_ALLOWED_HOSTS lists it. */
  host: string;
  requests: SinkRequest[];
  /** Decides each answer; tests change it as they go. */
  answer: (request: SinkRequest) => SinkAnswer;
  close(): Promise<void>;
}

/** A local HTTP server that plays a sink: it keeps every request and answers as the test says. */
export async function sinkReceiver(answer: SinkReceiver['answer'] = () => ({ status: 200 })): Promise<SinkReceiver> {
  const requests: SinkRequest[] = [];
  const sockets = new Set<Socket>();
  const connections = new WeakMap<Socket, number>();
  let opened = 0;
  const receiver = { requests, answer } as SinkReceiver;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const received: SinkRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        raw,
        body,
        connection: connections.get(request.socket)!,
      };
      requests.push(received);
      const decided = receiver.answer(received);
      if (decided === 'hang') return;
      if (decided === 'close') return request.socket.destroy();
      setTimeout(() => {
        response.writeHead(decided.status, { 'content-type': 'application/json', ...decided.headers });
        response.end(decided.body ?? '');
      }, decided.delayMs ?? 0);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    connections.set(socket, connections.has(socket) ? connections.get(socket)! : ++opened);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

/**
 * Checks what a sink received against what was recorded: every expected id, in order, with no gap; a repeat only
 * of an id already received (a batch sent again). Returns how many repeats there were.
 */
export function expectDeliveredInOrder(
  received: Array<{ id: string; sequence: string | number }>,
  expected: string[],
): number {
  const firsts: string[] = [];
  const seen = new Set<string>();
  let lastSequence = -1n;
  let repeats = 0;
  for (const { id, sequence } of received) {
    if (seen.has(id)) {
      repeats++;
      continue;
    }
    const current = BigInt(sequence);
    if (current <= lastSequence) throw new Error(`event ${id} (sequence ${sequence}) arrived after ${lastSequence}`);
    lastSequence = current;
    seen.add(id);
    firsts.push(id);
  }
  expect(firsts).toEqual(expected);
  return repeats;
}
